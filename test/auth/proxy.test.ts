import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
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

  it("leaves Next's built files and the Git server alone", () => {
    for (const path of [
      "/_next/static/chunks/app.js",
      "/_next/image?url=x",
      "/git/gitops.git/info/refs",
    ]) {
      expect(
        unstable_doesMiddlewareMatch({ config: proxyConfig, url: `https://g.example${path}` }),
        path,
      ).toBe(false);
    }
  });
});
