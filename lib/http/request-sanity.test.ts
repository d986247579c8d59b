import { describe, expect, it } from "vitest";
import {
  nulCharacterAt,
  requestProblem,
  SERVER_ACTION_BODY_LIMIT,
} from "@/lib/http/request-sanity";

const get = (url: string) => {
  const parsed = new URL(url, "https://g.example");
  return requestProblem({
    method: "GET",
    pathname: parsed.pathname,
    search: parsed.search,
    headers: new Headers(),
  });
};
const action = (headers: Record<string, string>) =>
  requestProblem({ method: "POST", pathname: "/apps", search: "", headers: new Headers(headers) });
const ACTION_ID = "7f".repeat(21);

describe("requestProblem", () => {
  it("lets ordinary requests through", () => {
    expect(get("/apps?q=payments%20api&team=payments")).toBeNull();
    expect(get("/apps/payments-api")).toBeNull();
    expect(get("/apps?q=100%25")).toBeNull();
  });

  it("answers 400 for a bad percent-escape in the path or query", () => {
    for (const url of [
      "/apps/%",
      "/api/v1/apps/%",
      "/git/gitops.git/%",
      "/apps/%zz",
      "/apps?q=%",
    ]) {
      expect(get(url), url).toMatchObject({
        status: 400,
        message: expect.stringMatching(/percent/),
      });
    }
  });

  it("answers 400 for a NUL byte anywhere in the path or query", () => {
    for (const url of ["/apps?q=a%00b", "/apps/a%00", "/sign-in?next=%2F%00"]) {
      expect(get(url), url).toMatchObject({ status: 400, message: expect.stringMatching(/NUL/) });
    }
  });

  it("answers 413 for a server action body over the limit, 400 for garbage calls", () => {
    const good = {
      "next-action": ACTION_ID,
      "content-type": "multipart/form-data; boundary=x",
      "content-length": "120",
    };
    expect(action(good)).toBeNull();
    expect(action({ ...good, "content-length": String(10 * 1024 * 1024) })).toMatchObject({
      status: 413,
    });
    expect(
      action({ ...good, "content-length": String(SERVER_ACTION_BODY_LIMIT + 1) }),
    ).toMatchObject({ status: 413 });
    expect(action({ ...good, "next-action": "garbage" })).toMatchObject({ status: 400 });
    expect(action({ ...good, "content-type": "application/json" })).toMatchObject({ status: 400 });
    const { "content-length": _, ...unsized } = good;
    expect(action(unsized)).toMatchObject({ status: 400 });
  });
});

describe("nulCharacterAt", () => {
  it("names the field holding a NUL, in strings, lists and keys", () => {
    expect(nulCharacterAt({ reason: "ok", items: [{ name: "a\0b" }] })).toBe("items.0.name");
    expect(nulCharacterAt({ "a\0": 1 })).toBe("(a key)");
    expect(nulCharacterAt("x\0")).toBe("body");
    expect(nulCharacterAt({ reason: "fine", n: 1, list: [true, null] })).toBeNull();
  });
});
