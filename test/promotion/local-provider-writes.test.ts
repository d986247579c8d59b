import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { gitProcessesStarted } from "@/lib/git/local/git-cli";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import {
  appFiles,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
  valuesYaml,
} from "@/test/catalogue/gitops-fixture";
import { createTestDatabase } from "@/test/support/db";

const ALICE = { name: "Alice Example", email: "alice@example.com" };
const BOB = { name: "Bob Reviewer", email: "bob@example.com" };
const VALUES = "apps/payments-api/envs/prod/values.yaml";

async function rejection(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("LocalGitProvider writes", () => {
  let repo: GitopsFixture;
  let db: PrismaClient;
  let drop: () => Promise<void>;
  let provider: LocalGitProvider;
  let initial: string;

  const git = (...args: string[]) => provider.git.text(args);
  const commitCount = async (ref: string) => Number(await git("rev-list", "--count", ref));

  /** A branch from main with one commit setting the prod version. */
  async function branchWithVersion(branch: string, version: string, from?: string) {
    const base = from ?? (await provider.resolveRef("main"));
    await provider.createBranch({ name: branch, from: base });
    return provider.commitFiles({
      branch,
      parent: base,
      message: `Promote payments-api to prod at ${version}\n\nCo-authored-by: Gantry <gantry@localhost>`,
      author: ALICE,
      files: [{ path: VALUES, content: valuesYaml(version) }],
    });
  }

  // A repository and a database of its own for each test: merges move main and
  // pull request numbers count up, and tests assert main and numbers from 1.
  beforeEach(async () => {
    repo = createGitopsFixture();
    ({ db, drop } = await createTestDatabase());
    initial = repo.commit({
      "environments.yaml": ENVIRONMENTS_YAML,
      ...appFiles("payments-api", "payments", { dev: "1.4.0", staging: "1.4.0", prod: "1.3.0" }),
    });
    provider = new LocalGitProvider({
      dataDir: repo.dataDir,
      repository: "gitops",
      defaultBranch: "main",
      db,
    });
  });
  afterEach(async () => {
    await drop?.();
    repo?.cleanup();
  });

  it("creates a branch once and reports an existing one as it is", async () => {
    expect(await provider.getBranch("feature/a")).toBeNull();
    expect(await provider.createBranch({ name: "feature/a", from: initial })).toEqual({
      sha: initial,
      created: true,
    });
    expect(await provider.getBranch("feature/a")).toBe(initial);
    expect(await provider.createBranch({ name: "feature/a", from: "main" })).toEqual({
      sha: initial,
      created: false,
    });
    expect(
      (await rejection(provider.createBranch({ name: "bad..name", from: initial }))).code,
    ).toBe("bad_request");
    expect(
      (await rejection(provider.createBranch({ name: "feature/b", from: "f".repeat(40) }))).code,
    ).toBe("not_found");
  });

  it("commits files as the person, with the trailer, changing only those files", async () => {
    const sha = await branchWithVersion("feature/commit", "1.4.0");
    expect(await provider.getBranch("feature/commit")).toBe(sha);
    const [author, committer, parents] = (
      await git("show", "-s", "--format=%an <%ae>%n%cn <%ce>%n%P", sha)
    ).split("\n");
    expect(author).toBe("Alice Example <alice@example.com>");
    expect(committer).toBe("Alice Example <alice@example.com>");
    expect(parents).toBe(initial);
    expect(
      (await git("show", "-s", "--format=%(trailers:key=Co-authored-by,valueonly)", sha)).trim(),
    ).toBe("Gantry <gantry@localhost>");
    expect(await git("diff-tree", "--no-commit-id", "--name-only", "-r", sha)).toBe(VALUES);
    expect(await provider.readFile({ ref: sha, path: VALUES })).toBe(valuesYaml("1.4.0"));
    // main did not move
    expect(await provider.resolveRef("main")).toBe(initial);
  });

  it("refuses a commit on a branch that moved (compare-and-swap)", async () => {
    await branchWithVersion("feature/moved", "1.4.1");
    const error = await rejection(
      provider.commitFiles({
        branch: "feature/moved",
        parent: initial,
        message: "stale",
        author: ALICE,
        files: [{ path: VALUES, content: valuesYaml("9.9.9") }],
      }),
    );
    expect(error.code).toBe("conflict");
    expect(await commitCount("feature/moved")).toBe((await commitCount(initial)) + 1);
  });

  it("makes a new branch at its one commit in one ref update, onto an existing one at the base, and refuses one that moved", async () => {
    const commit = (version: string) => ({
      parent: initial,
      message: `Promote payments-api to prod at ${version}`,
      author: ALICE,
      files: [{ path: VALUES, content: valuesYaml(version) }],
    });
    await provider.readFile({ ref: initial, path: VALUES }); // the object reader runs already
    const steps: string[] = [];
    const before = gitProcessesStarted();
    const written = await provider.writeChange({
      branch: "feature/write",
      createFrom: initial,
      commit: commit("1.4.0"),
      afterStep: (step) => {
        steps.push(step);
      },
    });
    // hash-object, mktree, commit-tree and one update-ref: the branch never exists without it.
    expect(gitProcessesStarted() - before).toBe(4);
    expect(steps).toEqual(["branch", "commit"]);
    expect(written.pullRequest).toBeNull();
    expect(await provider.getBranch("feature/write")).toBe(written.commit);
    expect(await git("show", "-s", "--format=%P", written.commit ?? "")).toBe(initial);
    expect(await provider.readFile({ ref: "feature/write", path: VALUES })).toBe(
      valuesYaml("1.4.0"),
    );

    // A branch left at the base by an earlier run takes the commit.
    await provider.createBranch({ name: "feature/at-base", from: initial });
    const onto = await provider.writeChange({
      branch: "feature/at-base",
      createFrom: initial,
      commit: commit("1.4.1"),
    });
    expect(await provider.getBranch("feature/at-base")).toBe(onto.commit);
    expect(await commitCount("feature/at-base")).toBe((await commitCount(initial)) + 1);

    // A branch that holds another commit is left as it is.
    const error = await rejection(
      provider.writeChange({
        branch: "feature/write",
        createFrom: initial,
        commit: commit("9.9.9"),
      }),
    );
    expect(error.code).toBe("conflict");
    expect(await provider.getBranch("feature/write")).toBe(written.commit);
  });

  it("opens pull requests with numbers from 1, one open per head and base, concurrently safe", async () => {
    const heads = Array.from({ length: 8 }, (_, i) => `feature/pr-${i}`);
    for (const head of heads) await provider.createBranch({ name: head, from: initial });
    const opened = await Promise.all(
      heads.map((head) =>
        provider.openPullRequest({
          head,
          base: "main",
          title: `Change ${head}`,
          body: "why",
          labels: ["gantry", "promotion", "gantry"],
          author: ALICE,
        }),
      ),
    );
    expect(opened.map((pr) => pr.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(opened[0]).toMatchObject({
      state: "open",
      base: "main",
      headSha: initial,
      labels: ["gantry", "promotion"],
      authorLogin: "alice@example.com",
      mergeCommitSha: null,
    });
    const again = await rejection(
      provider.openPullRequest({
        head: heads[0] ?? "",
        base: "main",
        title: "dup",
        body: "",
        labels: [],
        author: ALICE,
      }),
    );
    expect(again.code).toBe("conflict");
    const found = await provider.findPullRequest({ head: heads[0] ?? "", base: "main" });
    expect(found?.number).toBe(opened[0]?.number);
    expect(await provider.findPullRequest({ head: "nope", base: "main" })).toBeNull();
    expect((await rejection(provider.getPullRequest(999))).code).toBe("not_found");
  });

  it("takes reviews and comments; the author cannot approve", async () => {
    const head = await branchWithVersion("feature/review", "1.4.2");
    const pr = await provider.openPullRequest({
      head: "feature/review",
      base: "main",
      title: "Review me",
      body: "",
      labels: [],
      author: ALICE,
    });
    expect(
      (
        await rejection(
          provider.submitReview({
            number: pr.number,
            reviewer: ALICE,
            decision: "approve",
            body: "",
          }),
        )
      ).code,
    ).toBe("unprocessable");
    await provider.submitReview({
      number: pr.number,
      reviewer: BOB,
      decision: "approve",
      body: "lgtm",
    });
    await provider.addComment({ number: pr.number, body: "deploying after lunch", author: BOB });
    const reviews = await provider.listReviews(pr.number);
    expect(reviews).toEqual([
      expect.objectContaining({ reviewer: "bob@example.com", state: "approved", commitSha: head }),
    ]);
    expect(await db.localPullRequestComment.count()).toBe(1);
    expect(await provider.getChecks(head)).toEqual({ state: "none", checks: [] });
  });

  it("merges with a real merge commit, and merging again changes nothing", async () => {
    const head = await branchWithVersion("promote/merge", "1.4.0");
    const pr = await provider.openPullRequest({
      head: "promote/merge",
      base: "main",
      title: "Promote",
      body: "",
      labels: [],
      author: ALICE,
    });
    const base = await provider.resolveRef("main");
    const { sha } = await provider.mergePullRequest({
      number: pr.number,
      expectedHeadSha: head,
      method: "merge",
      message: `Merge pull request #${pr.number} from promote/merge`,
      mergedBy: BOB,
    });
    expect(await provider.resolveRef("main")).toBe(sha);
    expect(await git("show", "-s", "--format=%P", sha)).toBe(`${base} ${head}`);
    expect(await git("show", "-s", "--format=%an", sha)).toBe("Bob Reviewer");
    expect(await provider.readFile({ ref: "main", path: VALUES })).toBe(valuesYaml("1.4.0"));
    expect(await provider.getPullRequest(pr.number)).toMatchObject({
      state: "merged",
      mergeCommitSha: sha,
    });

    const count = await commitCount("main");
    const again = await provider.mergePullRequest({
      number: pr.number,
      expectedHeadSha: head,
      method: "merge",
      message: "again",
      mergedBy: BOB,
    });
    expect(again.sha).toBe(sha);
    expect(await commitCount("main")).toBe(count);
  });

  it("records a merge that landed in Git before the crash instead of merging twice", async () => {
    const head = await branchWithVersion("promote/crash", "1.5.0");
    const pr = await provider.openPullRequest({
      head: "promote/crash",
      base: "main",
      title: "Promote",
      body: "",
      labels: [],
      author: ALICE,
    });
    const { sha } = await provider.mergePullRequest({
      number: pr.number,
      expectedHeadSha: head,
      method: "merge",
      message: "Merge",
      mergedBy: BOB,
    });
    // The process died after moving main and before marking the row.
    await db.localPullRequest.update({
      where: { repository_number: { repository: "gitops", number: pr.number } },
      data: { state: "open", mergeCommitSha: null, mergedAt: null },
    });
    const count = await commitCount("main");
    const again = await provider.mergePullRequest({
      number: pr.number,
      expectedHeadSha: head,
      method: "merge",
      message: "Merge",
      mergedBy: BOB,
    });
    expect(again.sha).toBe(sha);
    expect(await commitCount("main")).toBe(count);
    expect((await provider.getPullRequest(pr.number)).state).toBe("merged");
  });

  it("squashes into one commit with one parent", async () => {
    const base = await provider.resolveRef("main");
    const head = await branchWithVersion("promote/squash", "1.6.0", base);
    const pr = await provider.openPullRequest({
      head: "promote/squash",
      base: "main",
      title: "Promote",
      body: "",
      labels: [],
      author: ALICE,
    });
    const { sha } = await provider.mergePullRequest({
      number: pr.number,
      expectedHeadSha: head,
      method: "squash",
      message: "Promote payments-api to prod at 1.6.0 (#squash)",
      mergedBy: BOB,
    });
    expect(await git("show", "-s", "--format=%P|%an|%cn", sha)).toBe(
      `${base}|Alice Example|Bob Reviewer`,
    );
    expect(await git("rev-parse", `${sha}^{tree}`)).toBe(await git("rev-parse", `${head}^{tree}`));
  });

  it("refuses a merge that conflicts, naming the file, and leaves everything as it was", async () => {
    const base = await provider.resolveRef("main");
    const first = await branchWithVersion("conflict/one", "2.0.0", base);
    const second = await branchWithVersion("conflict/two", "3.0.0", base);
    const open = (head: string) =>
      provider.openPullRequest({
        head,
        base: "main",
        title: head,
        body: "",
        labels: [],
        author: ALICE,
      });
    const one = await open("conflict/one");
    const two = await open("conflict/two");
    await provider.mergePullRequest({
      number: one.number,
      expectedHeadSha: first,
      method: "merge",
      message: "one",
      mergedBy: BOB,
    });
    const after = await provider.resolveRef("main");
    const error = await rejection(
      provider.mergePullRequest({
        number: two.number,
        expectedHeadSha: second,
        method: "merge",
        message: "two",
        mergedBy: BOB,
      }),
    );
    expect(error.code).toBe("conflict");
    expect(error.message).toContain(VALUES);
    expect(error.details).toEqual({ conflicts: [VALUES] });
    expect(await provider.resolveRef("main")).toBe(after);
    expect((await provider.getPullRequest(two.number)).state).toBe("open");
  });

  it("refuses a merge when the head moved since it was reviewed", async () => {
    const head = await branchWithVersion("promote/moved", "4.0.0");
    const pr = await provider.openPullRequest({
      head: "promote/moved",
      base: "main",
      title: "moved",
      body: "",
      labels: [],
      author: ALICE,
    });
    await provider.commitFiles({
      branch: "promote/moved",
      parent: head,
      message: "sneaky",
      author: ALICE,
      files: [{ path: "apps/payments-api/app.yaml", content: "name: payments-api\n" }],
    });
    const error = await rejection(
      provider.mergePullRequest({
        number: pr.number,
        expectedHeadSha: head,
        method: "merge",
        message: "m",
        mergedBy: BOB,
      }),
    );
    expect(error.code).toBe("conflict");
    expect((await provider.getPullRequest(pr.number)).headSha).not.toBe(head);
  });

  it("closes a pull request once; a closed one cannot be merged", async () => {
    const head = await branchWithVersion("promote/close", "5.0.0");
    const pr = await provider.openPullRequest({
      head: "promote/close",
      base: "main",
      title: "close me",
      body: "",
      labels: [],
      author: ALICE,
    });
    await provider.closePullRequest(pr.number);
    await provider.closePullRequest(pr.number);
    const closed = await provider.getPullRequest(pr.number);
    expect(closed.state).toBe("closed");
    expect(closed.closedAt).not.toBeNull();
    const error = await rejection(
      provider.mergePullRequest({
        number: pr.number,
        expectedHeadSha: head,
        method: "merge",
        message: "m",
        mergedBy: BOB,
      }),
    );
    expect(error.code).toBe("conflict");
    // A new pull request for the same branches may be opened after closing.
    const reopened = await provider.openPullRequest({
      head: "promote/close",
      base: "main",
      title: "again",
      body: "",
      labels: [],
      author: ALICE,
    });
    expect(reopened.number).toBeGreaterThan(pr.number);
  });

  it("refuses pull request operations without a database", async () => {
    const readOnly = new LocalGitProvider({
      dataDir: repo.dataDir,
      repository: "gitops",
      defaultBranch: "main",
    });
    expect((await rejection(readOnly.getPullRequest(1))).code).toBe("unavailable");
  });
});
