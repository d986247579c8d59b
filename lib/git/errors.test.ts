import { describe, expect, it } from "vitest";
import { gitError, sanitizeStderr } from "@/lib/git/errors";

describe("git errors", () => {
  it("tags errors with the git system", () => {
    const error = gitError("not_found", "ref main does not exist");
    expect(error.code).toBe("not_found");
    expect(error.system).toBe("git");
    expect(error.message).toBe("git: ref main does not exist");
  });

  it("masks credentials git may quote and bounds the length", () => {
    const stderr =
      "fatal: unable to access 'https://x-access-token:ghs_secret123@github.com/o/r.git/'\nAuthorization: Bearer abc.def\n";
    const clean = sanitizeStderr(stderr);
    expect(clean).not.toContain("ghs_secret123");
    expect(clean).not.toContain("abc.def");
    expect(clean).toContain("https://***@github.com/o/r.git/");
    expect(sanitizeStderr("x".repeat(5000)).length).toBeLessThanOrEqual(601);
  });
});
