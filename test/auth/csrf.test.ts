import { describe, expect, it } from "vitest";
import { csrfRefusal } from "@/lib/http/csrf";

const PUBLIC = "https://gantry.example.com";

function decide(method: string, pathname: string, headers: Record<string, string>) {
  return csrfRefusal({ method, pathname, headers: new Headers(headers), publicOrigin: PUBLIC });
}

const cookie = "__Host-gantry.session=abc.def";

describe("CSRF: browser requests", () => {
  it("lets safe methods through, whatever their origin", () => {
    expect(decide("GET", "/apps", { cookie, origin: "https://evil.example" })).toBeNull();
    expect(decide("HEAD", "/apps", { cookie })).toBeNull();
  });

  it("lets a same-origin POST with the session cookie through (public URL or own host)", () => {
    expect(decide("POST", "/promotions/1", { cookie, origin: PUBLIC })).toBeNull();
    expect(
      decide("POST", "/promotions/1", {
        cookie,
        origin: "http://127.0.0.1:3000",
        host: "127.0.0.1:3000",
      }),
    ).toBeNull();
    expect(
      decide("POST", "/promotions/1", { cookie, referer: `${PUBLIC}/promotions/1` }),
    ).toBeNull();
  });

  it("refuses a cross-site POST, PUT, PATCH or DELETE carrying the session cookie", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      expect(
        decide(method, "/api/v1/promotions", {
          cookie,
          origin: "https://evil.example",
          host: "gantry.example.com",
        }),
      ).toMatchObject({ status: 403, message: expect.stringContaining("https://evil.example") });
    }
  });

  it("refuses a cookie-carrying POST with neither Origin nor Referer", () => {
    expect(decide("POST", "/account/password", { cookie })).toMatchObject({ status: 403 });
    expect(decide("POST", "/account/password", { cookie, origin: "null" })).toMatchObject({
      status: 403,
    });
  });

  it("refuses a cross-site sign-in (login CSRF), which has no session cookie yet", () => {
    expect(
      decide("POST", "/api/auth/sign-in/email", {
        origin: "https://evil.example",
        host: "gantry.example.com",
        "content-type": "application/json",
      }),
    ).toMatchObject({ status: 403 });
  });

  it("does not take a look-alike host for the portal", () => {
    expect(
      decide("POST", "/x", {
        cookie,
        origin: "https://gantry.example.com.evil.example",
        host: "gantry.example.com",
      }),
    ).toMatchObject({ status: 403 });
  });
});

describe("CSRF: API requests with a bearer token", () => {
  const bearer = { authorization: "Bearer gantry_x" };

  it("requires JSON for a mutation with a body", () => {
    expect(
      decide("POST", "/api/v1/promotions", {
        ...bearer,
        "content-type": "application/x-www-form-urlencoded",
        "content-length": "10",
      }),
    ).toMatchObject({ status: 415 });
    expect(
      decide("POST", "/api/v1/promotions", { ...bearer, "content-length": "10" }),
    ).toMatchObject({ status: 415 });
    expect(
      decide("POST", "/api/v1/promotions", {
        ...bearer,
        "content-type": "application/json; charset=utf-8",
        "content-length": "10",
      }),
    ).toBeNull();
  });

  it("lets a bodyless action through (merge, close, retry)", () => {
    expect(
      decide("POST", "/api/v1/promotions/1/merge", { ...bearer, "content-length": "0" }),
    ).toBeNull();
    expect(decide("POST", "/api/v1/promotions/1/merge", bearer)).toBeNull();
  });

  it("exempts the agents' gzip reports and GitHub's signed webhooks", () => {
    const gzip = { "content-type": "application/gzip", "content-length": "100" };
    expect(decide("POST", "/api/v1/clusters/prod-1/reports", { ...bearer, ...gzip })).toBeNull();
    expect(
      decide("POST", "/api/webhooks/github", {
        "content-type": "application/x-www-form-urlencoded",
        "content-length": "100",
      }),
    ).toBeNull();
    expect(decide("POST", "/api/v1/clusters/prod-1/other", { ...bearer, ...gzip })).toMatchObject({
      status: 415,
    });
  });
});
