import { describe, expect, it } from "vitest";
import { isSafeHref, safeLinks } from "./safe-link";

describe("isSafeHref", () => {
  it.each([
    ["https://grafana.example.com/d/payments", true],
    ["http://runbooks.internal/payments", true],
    ["javascript:alert(1)", false],
    ["JavaScript:alert(1)", false],
    ["data:text/html,<script>alert(1)</script>", false],
    ["vbscript:msgbox", false],
    ["//evil.example.com", false],
    ["not a url", false],
    ["ftp://files.example.com", false],
  ])("%s → %s", (url, expected) => {
    expect(isSafeHref(url)).toBe(expected);
  });
});

describe("safeLinks", () => {
  it("keeps unsafe links as text, marked unsafe, and ignores malformed entries", () => {
    expect(
      safeLinks([
        { title: "Runbook", url: "https://runbooks.example.com/x" },
        { title: "Evil", url: "javascript:alert(1)" },
        { title: "No url" },
        "just a string",
        null,
      ]),
    ).toEqual([
      { title: "Runbook", url: "https://runbooks.example.com/x", safe: true },
      { title: "Evil", url: "javascript:alert(1)", safe: false },
    ]);
  });

  it("returns nothing for a value that is not a list", () => {
    expect(safeLinks({ url: "https://x" })).toEqual([]);
  });
});
