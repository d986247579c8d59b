import { describe, expect, it } from "vitest";
import { githubMessage } from "@/lib/git/github/client";

const failure = (data: unknown) => ({ status: 401, message: "HttpError", response: { data } });

describe("githubMessage: GitHub's words, never a credential", () => {
  const secrets = [
    `ghp_${"a".repeat(36)}`,
    `ghs_${"B1".repeat(18)}`,
    `github_pat_${"x".repeat(22)}_${"y".repeat(59)}`,
    `gantry_${"C".repeat(43)}`,
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQtbG9uZw",
    "0123456789abcdef0123456789abcdef01234567",
  ];

  it("redacts token-like strings a proxy or GitHub echoed back", () => {
    for (const secret of secrets) {
      const text = githubMessage(
        failure({ message: `Bad credentials: Authorization: token ${secret} was refused` }),
      );
      expect(text, secret.slice(0, 12)).not.toContain(secret);
      expect(text).toMatch(/Bad credentials/);
      expect(text).toContain("[redacted]");
    }
    const bearer = githubMessage(failure({ message: "Authorization: Bearer abc.def-ghi refused" }));
    expect(bearer).not.toContain("abc.def-ghi");
    const url = githubMessage(
      failure({ message: "cannot reach https://x-access-token:s3cr3t@github.example/repo" }),
    );
    expect(url).not.toContain("s3cr3t");
  });

  it("summarises: one line, no control characters, bounded", () => {
    const text = githubMessage(
      failure({ message: `first line\nsecond line\u0007 ${"z".repeat(1000)}`, errors: ["e1"] }),
    );
    expect(text).not.toMatch(/\p{Cc}/u);
    expect(text.length).toBeLessThanOrEqual(201);
    expect(githubMessage(failure("<html>proxy error page</html>"))).toBe("no message");
  });
});
