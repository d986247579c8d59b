import fs from "node:fs";
import path from "node:path";
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { GET as faviconRoute } from "@/app/favicon.ico/route";
import { parseConfig } from "@/lib/config";
import { gantryProxy, config as proxyConfig } from "@/proxy";

/** The request proxy (proxy.ts) in front of every page: security headers, whatever the path. */
const https = parseConfig({ GANTRY_PUBLIC_URL: "https://gantry.example.com" });
const cookie = "__Host-gantry.session=abc.def";

const request = (url: string, headers: Record<string, string> = { cookie }) =>
  new NextRequest(url, { headers });

describe("Strict-Transport-Security", () => {
  it("is sent with an https public URL, for pages, API answers and redirects", () => {
    for (const path of ["/apps", "/api/v1/apps"]) {
      const response = gantryProxy(request(`https://gantry.example.com${path}`), https);
      expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000");
    }
    const redirect = gantryProxy(request("https://gantry.example.com/apps", {}), https);
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get("strict-transport-security")).toBe("max-age=31536000");
  });

  it("takes its max-age from GANTRY_HSTS_MAX_AGE, and is off with GANTRY_HSTS=false or plain http", () => {
    const shorter = parseConfig({
      GANTRY_PUBLIC_URL: "https://gantry.example.com",
      GANTRY_HSTS_MAX_AGE: "600",
    });
    expect(
      gantryProxy(request("https://gantry.example.com/apps"), shorter).headers.get(
        "strict-transport-security",
      ),
    ).toBe("max-age=600");
    const off = parseConfig({
      GANTRY_PUBLIC_URL: "https://gantry.example.com",
      GANTRY_HSTS: "false",
    });
    const http = parseConfig({ GANTRY_PUBLIC_URL: "http://localhost:3000" });
    for (const config of [off, http]) {
      expect(
        gantryProxy(request("http://localhost:3000/apps"), config).headers.get(
          "strict-transport-security",
        ),
      ).toBeNull();
    }
    expect(() =>
      parseConfig({ GANTRY_PUBLIC_URL: "https://g.example", GANTRY_HSTS_MAX_AGE: "-1" }),
    ).toThrow(/GANTRY_HSTS_MAX_AGE/);
  });
});

describe("the proxy's paths", () => {
  it("runs for paths that end like images, so they carry the Content-Security-Policy", () => {
    for (const path of ["/apps/logo.png", "/apps/x.svg", "/anything.jpg", "/favicon.ico"]) {
      expect(
        unstable_doesMiddlewareMatch({ config: proxyConfig, url: `https://g.example${path}` }),
        path,
      ).toBe(true);
    }
    const response = gantryProxy(request("https://gantry.example.com/apps/logo.png"), https);
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'self' 'nonce-/);
  });

  it("leaves Next's built files alone", () => {
    for (const path of ["/_next/static/chunks/app.js", "/_next/image?url=x"]) {
      expect(
        unstable_doesMiddlewareMatch({ config: proxyConfig, url: `https://g.example${path}` }),
        path,
      ).toBe(false);
    }
  });
});

describe("malformed requests are refused at the door (400 / 413, never a 500)", () => {
  const status = (url: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    gantryProxy(
      new NextRequest(url, { method: init.method ?? "GET", headers: { cookie, ...init.headers } }),
      https,
    ).status;

  it("bad percent-escapes and NUL bytes in the path or query", async () => {
    for (const path of [
      "/apps/%",
      "/api/v1/apps/%",
      "/git/gitops.git/%",
      "/apps?q=%00",
      "/api/v1/apps?q=a%00",
    ]) {
      expect(status(`https://gantry.example.com${path}`), path).toBe(400);
    }
    const refused = gantryProxy(request("https://gantry.example.com/apps?q=%00"), https);
    expect(await refused.json()).toMatchObject({ error: { code: "bad_request" } });
  });

  it("a 10 MB server-action body, and server-action calls that are garbage", () => {
    const call = (headers: Record<string, string>) =>
      status("https://gantry.example.com/apps", {
        method: "POST",
        headers: { origin: "https://gantry.example.com", ...headers },
      });
    const form = { "content-type": "multipart/form-data; boundary=x" };
    expect(
      call({ ...form, "next-action": "ab".repeat(21), "content-length": String(10 * 1024 * 1024) }),
    ).toBe(413);
    expect(call({ ...form, "next-action": "garbage!", "content-length": "10" })).toBe(400);
  });

  it("lets a Git fetch through to the Git server untouched", () => {
    const fetch = gantryProxy(
      new NextRequest("https://gantry.example.com/git/gitops.git/git-upload-pack", {
        method: "POST",
        headers: { "content-type": "application/x-git-upload-pack-request" },
      }),
      https,
    );
    expect(fetch.status).toBe(200);
    expect(fetch.headers.get("x-middleware-next")).toBe("1");
  });
});

describe("Gantry's icon", () => {
  it("is there for everyone, signed in or not, and /favicon.ico leads to it instead of a 404", async () => {
    const http = parseConfig({ GANTRY_PUBLIC_URL: "http://localhost:3000" });
    for (const path of ["/icon.svg", "/icon.svg?a1b2c3", "/favicon.ico"]) {
      const response = gantryProxy(request(`http://localhost:3000${path}`, {}), http);
      expect(response.headers.get("location"), path).toBeNull();
    }
    // Anything else signed out still goes to the sign-in page.
    expect(gantryProxy(request("http://localhost:3000/icon.svg.html", {}), http).status).toBe(303);
    const favicon = faviconRoute();
    expect(favicon.status).toBe(308);
    expect(favicon.headers.get("location")).toBe("/icon.svg");
    const icon = fs.readFileSync(path.join(import.meta.dirname, "../../app/icon.svg"), "utf8");
    expect(icon).toMatch(/^<svg [^>]*viewBox="0 0 32 32"/);
  });
});
