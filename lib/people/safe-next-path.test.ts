import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeNextPath } from "@/lib/people/safe-next-path";

const BASE = "https://gantry.example";

/** Where a browser would go if it followed `path` as a Location from the portal. */
function followed(path: string): URL {
  return new URL(path, `${BASE}/sign-in`);
}

describe("safeNextPath", () => {
  it("keeps same-origin paths with their query and fragment", () => {
    expect(safeNextPath("/apps?team=payments")).toBe("/apps?team=payments");
    expect(safeNextPath("/apps/payments-api#timeline")).toBe("/apps/payments-api#timeline");
    expect(safeNextPath("/")).toBe("/");
  });

  it("sends everything that could leave the site, or is not a path, to /", () => {
    for (const outside of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r\n/evil.example",
      "/%09/evil.example",
      "%2F%2Fevil.example",
      "/%2F/evil.example",
      "/%5Cevil.example",
      "/%252F%252Fevil.example",
      "javascript:alert(1)",
      "data:text/html,x",
      "apps",
      "",
      "/apps\u0000",
      "/apps\nLocation: https://evil.example",
      "/%",
      `/${"a".repeat(5000)}`,
    ]) {
      expect(safeNextPath(outside), JSON.stringify(outside)).toBe("/");
    }
  });

  it("never loops back to sign-in", () => {
    expect(safeNextPath("/sign-in?next=/apps")).toBe("/");
    expect(safeNextPath("/sign-in")).toBe("/");
    expect(safeNextPath(null)).toBe("/");
    expect(safeNextPath(undefined)).toBe("/");
  });

  it("whatever it is given, answers a path a browser follows to this origin (property)", () => {
    const pieces = fc.constantFrom(
      "/",
      "//",
      "\\",
      "\t",
      "\n",
      "\r",
      " ",
      "%",
      "%2F",
      "%2f",
      "%5C",
      "%09",
      "%0A",
      "%25",
      "%252F",
      ":",
      "@",
      "?",
      "#",
      ".",
      "evil.example",
      "http:",
      "https:",
      "javascript:",
      "apps",
      "\u0000",
      "\u2028",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")),
          fc.string({ maxLength: 40 }),
          fc.webUrl(),
        ),
        (value) => {
          const safe = safeNextPath(value);
          expect(safe.startsWith("/")).toBe(true);
          expect(safe.startsWith("//")).toBe(false);
          expect(safe).not.toMatch(/[\\\p{Cc}]/u);
          // The browser's own reading, raw and after each decoding, stays on this origin.
          expect(followed(safe).origin).toBe(BASE);
          let decoded = safe;
          for (let i = 0; i < 3; i++) {
            decoded = decodeURIComponent(decoded);
            expect(decoded.startsWith("//")).toBe(false);
            expect(decoded).not.toMatch(/[\\\p{Cc}]/u);
            expect(followed(decoded).origin).toBe(BASE);
          }
          // Stable: what it answers, it accepts as it is.
          expect(safeNextPath(safe)).toBe(safe);
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);

  it("keeps every ordinary same-origin path (property)", () => {
    const segment = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 5 }),
        fc.option(fc.stringMatching(/^[a-z]{1,6}=[a-z0-9-]{0,10}$/), { nil: undefined }),
        (segments, query) => {
          fc.pre(segments[0] !== "sign-in");
          const path = `/${segments.join("/")}${query ? `?${query}` : ""}`;
          expect(safeNextPath(path)).toBe(path);
        },
      ),
    );
  });
});
