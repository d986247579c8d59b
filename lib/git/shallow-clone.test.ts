import { describe, expect, it } from "vitest";
import { isRepositoryUrl, withoutCredentials } from "@/lib/git/shallow-clone";

describe("repository URLs for layout check --repo", () => {
  it("tells a URL from a directory", () => {
    for (const url of [
      "https://github.com/acme/gitops.git",
      "ssh://git@github.com/acme/gitops.git",
      "git@github.com:acme/gitops.git",
      "file:///srv/git/gitops",
    ]) {
      expect(isRepositoryUrl(url), url).toBe(true);
    }
    for (const dir of ["./gitops", "/srv/checkouts/gitops", "gitops", "C:/gitops"]) {
      expect(isRepositoryUrl(dir), dir).toBe(false);
    }
  });

  it("never shows a user or password written into the URL", () => {
    expect(withoutCredentials("https://robot:ghp_secret@github.com/acme/gitops.git")).toBe(
      "https://github.com/acme/gitops.git",
    );
    expect(withoutCredentials("https://ghp_secret@github.com/acme/gitops.git")).toBe(
      "https://github.com/acme/gitops.git",
    );
    expect(withoutCredentials("ssh://git@github.com/acme/gitops.git")).toBe(
      "ssh://github.com/acme/gitops.git",
    );
    expect(withoutCredentials("git@github.com:acme/gitops.git")).toBe(
      "git@github.com:acme/gitops.git",
    );
  });
});
