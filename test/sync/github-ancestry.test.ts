import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import type { FakeGitHub } from "@/test/github/fake-github";
import { providerFor, startFake } from "@/test/github/support";

/**
 * isAncestor on the GitHub provider (the compare API), which correlation asks
 * whether a cluster's revision is the merge commit or a later one. The fake
 * checks every answer against GitHub's OpenAPI description.
 */
describe("GitHubProvider.isAncestor", () => {
  let fake: FakeGitHub;
  let git: GitHubProvider;
  let seed: string;
  let next: string;
  let feature: string;
  let main: string;

  beforeAll(async () => {
    const started = await startFake();
    fake = started.fake;
    git = providerFor(fake, { type: "token", token: started.token });
    seed = await git.resolveRef("main");
    next = fake.push({ files: { "README.md": "next\n" } });
    feature = fake.push({ branch: "feature", files: { "FEATURE.md": "x\n" } });
    main = fake.push({ files: { "README.md": "main\n" } });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("answers from GitHub's compare status", async () => {
    expect(await git.isAncestor({ ancestor: seed, descendant: main })).toBe(true);
    expect(await git.isAncestor({ ancestor: next, descendant: next })).toBe(true);
    expect(await git.isAncestor({ ancestor: main, descendant: seed })).toBe(false);
    expect(await git.isAncestor({ ancestor: feature, descendant: main })).toBe(false);
    expect(await git.isAncestor({ ancestor: next, descendant: feature })).toBe(true);
    expect(fake.problems).toEqual([]);
  });

  it("refuses an unknown commit with not_found", async () => {
    const error = await git
      .isAncestor({ ancestor: "f".repeat(40), descendant: main })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GantryError);
    expect(error).toMatchObject({ code: "not_found" });
  });
});
