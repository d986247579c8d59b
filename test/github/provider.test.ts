import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import type { FakeGitHub } from "./fake-github";
import { ALICE, OWNER, providerFor, REPO, startFake, VALUES } from "./support";

let fake: FakeGitHub;
let token: string;
let github: GitHubProvider;

// A fresh fake per test: merges move main and pushes add branches, and the
// reading tests expect the seeded repository exactly as startFake made it.
beforeEach(async () => {
  ({ fake, token } = await startFake());
  github = providerFor(fake, { type: "token", token });
});

afterEach(async () => {
  try {
    // Every answer the fake sent matched GitHub's OpenAPI description.
    expect(fake.problems).toEqual([]);
  } finally {
    await fake.close();
  }
});

function branchName(): string {
  return `gantry/promote/payments/prod/${randomBytes(3).toString("hex")}`;
}

/** A branch with one promotion commit, as the promotion job makes it. */
async function promotionBranch(version = "1.42.0") {
  const main = await github.resolveRef("main");
  const branch = branchName();
  await github.createBranch({ name: branch, from: main });
  const commit = await github.commitFiles({
    branch,
    parent: main,
    message: `Promote payments to prod: ${version}`,
    author: ALICE,
    files: [
      { path: "apps/payments/envs/prod/values.yaml", content: VALUES.replace("1.41.0", version) },
    ],
  });
  return { main, branch, commit };
}

describe("reading", () => {
  it("resolves refs, lists trees, reads files and history", async () => {
    const main = await github.resolveRef("main");
    expect(main).toBe(fake.refs.get("refs/heads/main"));
    await expect(github.resolveRef(main)).resolves.toBe(main);
    await expect(github.resolveRef("no-such-branch")).rejects.toMatchObject({
      code: "not_found",
      system: "github",
    });

    const top = await github.listTree({ ref: "main" });
    expect(top.map((e) => `${e.type}:${e.path}`)).toEqual([
      "directory:apps",
      "directory:charts",
      "file:environments.yaml",
    ]);
    const apps = await github.listTree({ ref: "main", path: "apps", recursive: true });
    expect(apps.filter((e) => e.type === "file").map((e) => e.path)).toEqual([
      "apps/payments/app.yaml",
      "apps/payments/envs/prod/values.yaml",
      "apps/payments/envs/staging/values.yaml",
      "apps/search/app.yaml",
      "apps/search/envs/prod/values.yaml",
    ]);
    expect(apps.every((e) => /^[0-9a-f]{40}$/.test(e.sha ?? ""))).toBe(true);
    expect(await github.listTree({ ref: "main", path: "nowhere" })).toEqual([]);
    expect(await github.listTree({ ref: "main", path: "environments.yaml" })).toEqual([]);

    expect(
      await github.readFile({ ref: "main", path: "apps/payments/envs/prod/values.yaml" }),
    ).toBe(VALUES);
    expect(await github.readFile({ ref: "main", path: "apps/nope/app.yaml" })).toBeNull();
    const files = await github.readFiles({
      ref: main,
      paths: ["apps/payments/app.yaml", "apps/search/app.yaml", "missing.yaml"],
    });
    expect([...files]).toEqual([
      ["apps/payments/app.yaml", "team: payments\nchart: web\n"],
      ["apps/search/app.yaml", "team: search\nchart: web\n"],
    ]);

    const commits = await github.listCommits({ ref: "main", path: "apps/payments" });
    expect(commits[0]).toMatchObject({ sha: main, subject: "Seed the GitOps repository" });
    expect(await github.listCommits({ ref: "main", path: "apps/unknown" })).toEqual([]);

    expect(github.fileUrl({ ref: main, path: "apps/payments/app.yaml" })).toBe(
      `${fake.webUrl}/${OWNER}/${REPO}/blob/${main}/apps/payments/app.yaml`,
    );
    expect(github.pullRequestUrl(7)).toBe(`${fake.webUrl}/${OWNER}/${REPO}/pull/7`);
  });

  it("reads a commit as one tarball, and a commit it has read again without a call", async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 40; i++) many[`bulk/app-${i}/app.yaml`] = `team: t${i}\n`;
    const bulk = fake.push({ branch: "bulk", files: many, message: "bulk" });
    const before = fake.requests.length;
    const files = await github.readFiles({ ref: bulk, paths: Object.keys(many) });
    expect(files.size).toBe(40);
    expect(files.get("bulk/app-7/app.yaml")).toBe("team: t7\n");
    // The API answers with a redirect to codeload, which serves the tarball: one API call.
    expect(fake.requests.slice(before).map((r) => r.route)).toEqual([
      "GET /repos/{owner}/{repo}/tarball/{ref}",
      "GET codeload/{owner}/{repo}/legacy.tar.gz/{ref}",
    ]);
    const tree = await github.listTree({ ref: bulk, recursive: true });
    expect(tree.filter((e) => e.type === "file")).toHaveLength(47);
    expect(await github.readFile({ ref: bulk, path: "bulk/app-3/app.yaml" })).toBe("team: t3\n");
    expect(fake.requests.length - before).toBe(2);

    // A new commit is a new tarball; blob ids say which files did not change.
    const next = fake.push({ branch: "bulk", files: { "bulk/app-3/app.yaml": "team: changed\n" } });
    const again = fake.requests.length;
    const reread = await github.readFiles({ ref: "bulk", paths: Object.keys(many) });
    expect(reread.get("bulk/app-3/app.yaml")).toBe("team: changed\n");
    expect(fake.requests.slice(again).map((r) => r.route)).toEqual([
      "GET /repos/{owner}/{repo}/commits/{ref}",
      "GET /repos/{owner}/{repo}/tarball/{ref}",
      "GET codeload/{owner}/{repo}/legacy.tar.gz/{ref}",
    ]);
    const newTree = await github.listTree({ ref: next, path: "bulk", recursive: true });
    const sha = (entries: typeof tree, path: string) => entries.find((e) => e.path === path)?.sha;
    expect(sha(newTree, "bulk/app-7/app.yaml")).toBe(sha(tree, "bulk/app-7/app.yaml"));
    expect(sha(newTree, "bulk/app-3/app.yaml")).not.toBe(sha(tree, "bulk/app-3/app.yaml"));
    // Blob ids are Git's own, as GitHub's are.
    const gitTree = fake.store.flatten(fake.commit(next).tree);
    expect(sha(newTree, "bulk/app-3/app.yaml")).toBe(gitTree.get("bulk/app-3/app.yaml")?.sha);
  });

  it("reads again from the data directory after a restart, without a call", async () => {
    const main = fake.refs.get("refs/heads/main") ?? "";
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "gantry-github-restart-"));
    try {
      const first = providerFor(fake, { type: "token", token }, { dataDir });
      await first.listTree({ ref: main, recursive: true });
      const before = fake.requests.length;
      const second = providerFor(fake, { type: "token", token }, { dataDir });
      expect(await second.readFile({ ref: main, path: "environments.yaml" })).toContain("staging");
      expect(fake.requests.length).toBe(before);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("writing", () => {
  it("creates a branch once, and finds it again", async () => {
    const main = await github.resolveRef("main");
    const branch = branchName();
    expect(await github.getBranch(branch)).toBeNull();
    expect(await github.createBranch({ name: branch, from: main })).toEqual({
      sha: main,
      created: true,
    });
    expect(await github.createBranch({ name: branch, from: main })).toEqual({
      sha: main,
      created: false,
    });
    expect(await github.getBranch(branch)).toBe(main);
  });

  it("commits several files as one commit in one GraphQL call, naming the person", async () => {
    const main = await github.resolveRef("main");
    const branch = branchName();
    await github.createBranch({ name: branch, from: main });
    await github.readFiles({ ref: main, paths: ["apps/payments/envs/prod/values.yaml"] });
    const before = fake.requests.length;
    const sha = await github.commitFiles({
      branch,
      parent: main,
      message: "Promote payments\n\nWhy: because.\n\nCo-authored-by: Gantry <gantry@example.com>",
      author: ALICE,
      files: [
        {
          path: "apps/payments/envs/prod/values.yaml",
          content: VALUES.replace("1.41.0", "1.42.0"),
        },
        { path: "apps/search/envs/prod/values.yaml", content: "image:\n  tag: 2.0.0\n" },
        { path: "apps/payments/NOTES.md", content: "new file ✓\n" },
      ],
    });
    expect(fake.requests.slice(before).map((r) => r.route)).toEqual(["POST /graphql"]);
    expect(fake.graphqlMutations).toEqual(["createCommitOnBranch"]);
    expect(await github.getBranch(branch)).toBe(sha);
    const commit = fake.commit(sha);
    expect(commit.parents).toEqual([main]);
    // GitHub makes the token's identity the author; the person is a co-author.
    expect(commit.author.name).toBe("gantry-bot");
    expect(commit.message).toBe(
      "Promote payments\n\nWhy: because.\n\nCo-authored-by: Gantry <gantry@example.com>\nCo-authored-by: Alice Example <alice@example.com>\n",
    );
    const files = fake.files(sha);
    expect(files.get("apps/payments/envs/prod/values.yaml")).toBe(
      VALUES.replace("1.41.0", "1.42.0"),
    );
    expect(files.get("apps/payments/NOTES.md")).toBe("new file ✓\n");
    expect(files.get("charts/web/Chart.yaml")).toBe("name: web\nversion: 1.0.0\n");
  });

  it("commits through the Git Data API where GraphQL is not served, by the person", async () => {
    fake.graphqlDisabled = true;
    const main = await github.resolveRef("main");
    const branch = branchName();
    await github.createBranch({ name: branch, from: main });
    await github.readFiles({ ref: main, paths: ["environments.yaml"] });
    const before = fake.requests.length;
    const sha = await github.commitFiles({
      branch,
      parent: main,
      message: "Promote payments",
      author: ALICE,
      files: [
        {
          path: "apps/payments/envs/prod/values.yaml",
          content: VALUES.replace("1.41.0", "1.43.0"),
        },
        { path: "apps/search/envs/prod/values.yaml", content: "image:\n  tag: 2.0.0\n" },
      ],
    });
    expect(fake.requests.slice(before).map((r) => r.route)).toEqual([
      "POST /graphql",
      "GET /repos/{owner}/{repo}/git/ref/{ref}",
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha}",
      "POST /repos/{owner}/{repo}/git/trees",
      "POST /repos/{owner}/{repo}/git/commits",
      "PATCH /repos/{owner}/{repo}/git/refs/{ref}",
    ]);
    const commit = fake.commit(sha);
    expect(commit.parents).toEqual([main]);
    expect(commit.author).toMatchObject({ name: ALICE.name, email: ALICE.email });
    expect(fake.files(sha).get("apps/search/envs/prod/values.yaml")).toBe("image:\n  tag: 2.0.0\n");
    // Once refused, GraphQL is not asked again.
    const next = fake.requests.length;
    await github.commitFiles({
      branch,
      parent: sha,
      message: "again",
      author: ALICE,
      files: [{ path: "x.yaml", content: "x: 1\n" }],
    });
    expect(fake.requests.slice(next).map((r) => r.route)).not.toContain("POST /graphql");
  });

  it("refuses a commit whose parent is not the branch head any more", async () => {
    const { branch, commit, main } = await promotionBranch();
    const attempt = github.commitFiles({
      branch,
      parent: main,
      message: "stale",
      author: ALICE,
      files: [{ path: "x.yaml", content: "x: 1\n" }],
    });
    await expect(attempt).rejects.toBeInstanceOf(GantryError);
    await expect(attempt).rejects.toMatchObject({ code: "conflict", system: "github" });
    expect(await github.getBranch(branch)).toBe(commit);
  });

  it("refuses when the head moves between the check and the ref update (force=false)", async () => {
    const { branch, commit } = await promotionBranch();
    fake.graphqlDisabled = true;
    // Someone pushes after Gantry read the branch head, just before it moves the ref.
    let racer = "";
    fake.beforeHandle = ({ method }) => {
      if (method !== "PATCH" || racer !== "") return;
      racer = fake.push({ branch, files: { "race.txt": "first\n" }, message: "race" });
    };
    await expect(
      github.commitFiles({
        branch,
        parent: commit,
        message: "late",
        author: ALICE,
        files: [{ path: "late.txt", content: "late\n" }],
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    fake.beforeHandle = null;
    expect(racer).not.toBe("");
    expect(await github.getBranch(branch)).toBe(racer);
  });
});

describe("pull requests", () => {
  it("opens a pull request with labels, and finds the same one again", async () => {
    const { branch, commit } = await promotionBranch();
    expect(await github.findPullRequest({ head: branch, base: "main" })).toBeNull();
    const opened = await github.openPullRequest({
      head: branch,
      base: "main",
      title: "Promote payments to prod: 1.42.0",
      body: "What: payments 1.42.0 to prod.",
      labels: ["gantry", "promotion"],
      author: ALICE,
    });
    expect(opened).toMatchObject({
      state: "open",
      head: branch,
      base: "main",
      headSha: commit,
      labels: ["gantry", "promotion"],
      authorLogin: "gantry-bot",
      mergeCommitSha: null,
      url: `${fake.webUrl}/${OWNER}/${REPO}/pull/${opened.number}`,
    });
    expect(await github.findPullRequest({ head: branch, base: "main" })).toEqual(opened);
    expect(await github.getPullRequest(opened.number)).toEqual(opened);

    // Opening it again (a retried job) returns the same pull request, not a second one.
    const again = await github.openPullRequest({
      head: branch,
      base: "main",
      title: "Promote payments to prod: 1.42.0",
      body: "retry",
      labels: ["gantry", "promotion"],
      author: ALICE,
    });
    expect(again.number).toBe(opened.number);
    expect(fake.pulls.filter((p) => p.head === branch)).toHaveLength(1);
    await expect(github.getPullRequest(9999)).rejects.toMatchObject({ code: "not_found" });
  });

  it("records reviews; GitHub's refusal to approve one's own pull request is a clear error", async () => {
    const { branch } = await promotionBranch();
    const pull = await github.openPullRequest({
      head: branch,
      base: "main",
      title: "t",
      body: "b",
      labels: [],
      author: ALICE,
    });
    await expect(
      github.submitReview({
        number: pull.number,
        reviewer: ALICE,
        decision: "approve",
        body: "ok",
      }),
    ).rejects.toMatchObject({
      code: "unprocessable",
      message: expect.stringContaining("own pull request"),
    });

    // A second identity (the approver's own token) can approve.
    const approverToken = `ghp_${randomBytes(8).toString("hex")}`;
    fake.addToken(approverToken, "bob");
    const asBob = providerFor(fake, { type: "token", token: approverToken });
    const review = await asBob.submitReview({
      number: pull.number,
      reviewer: { name: "Bob", email: "bob@example.com" },
      decision: "approve",
      body: "Looks right.",
    });
    expect(review).toMatchObject({ reviewer: "bob", state: "approved", commitSha: pull.headSha });
    expect(review.body).toContain("Looks right.");
    await github.submitReview({
      number: pull.number,
      reviewer: ALICE,
      decision: "comment",
      body: "noted",
    });
    const reviews = await github.listReviews(pull.number);
    expect(reviews.map((r) => `${r.reviewer}:${r.state}`)).toEqual([
      "bob:approved",
      "gantry-bot:commented",
    ]);
  });

  it("summarises statuses and check runs", async () => {
    const { commit } = await promotionBranch();
    expect(await github.getChecks(commit)).toEqual({ state: "none", checks: [] });
    fake.addStatus(commit, {
      context: "ci/lint",
      state: "success",
      targetUrl: "https://ci.example.com/1",
    });
    fake.addCheckRun(commit, { name: "helm-template", status: "in_progress" });
    expect(await github.getChecks(commit)).toMatchObject({
      state: "pending",
      checks: [
        { name: "ci/lint", state: "success", url: "https://ci.example.com/1" },
        { name: "helm-template", state: "pending" },
      ],
    });
    fake.addCheckRun(commit, { name: "policy", status: "completed", conclusion: "failure" });
    expect((await github.getChecks(commit)).state).toBe("failure");
  });

  it("merges with the expected head, and refuses when the head moved", async () => {
    const { branch, commit } = await promotionBranch("1.43.0");
    const pull = await github.openPullRequest({
      head: branch,
      base: "main",
      title: "Promote payments 1.43.0",
      body: "",
      labels: [],
      author: ALICE,
    });
    // Someone pushes to the branch after the approval was given on `commit`.
    const moved = fake.push({ branch, files: { "sneaky.txt": "x\n" }, message: "sneaky" });
    await expect(
      github.mergePullRequest({
        number: pull.number,
        expectedHeadSha: commit,
        method: "merge",
        message: "Merge",
        mergedBy: ALICE,
      }),
    ).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("changed since it was reviewed"),
    });
    expect((await github.getPullRequest(pull.number)).state).toBe("open");

    const mainBefore = await github.resolveRef("main");
    const merged = await github.mergePullRequest({
      number: pull.number,
      expectedHeadSha: moved,
      method: "merge",
      message: "Promote payments 1.43.0 (#1)\n\nApproved in Gantry",
      mergedBy: ALICE,
    });
    expect(await github.resolveRef("main")).toBe(merged.sha);
    expect(fake.commit(merged.sha).parents).toEqual([mainBefore, moved]);
    expect(fake.files(merged.sha).get("apps/payments/envs/prod/values.yaml")).toContain('"1.43.0"');
    const after = await github.getPullRequest(pull.number);
    expect(after).toMatchObject({ state: "merged", mergeCommitSha: merged.sha });
    // Merging again returns the same merge commit.
    await expect(
      github.mergePullRequest({
        number: pull.number,
        expectedHeadSha: moved,
        method: "merge",
        message: "again",
        mergedBy: ALICE,
      }),
    ).resolves.toEqual(merged);
  });

  it("squash-merges, and refuses a pull request that conflicts with its base", async () => {
    const one = await promotionBranch("2.0.0");
    const two = await promotionBranch("2.1.0");
    const first = await github.openPullRequest({
      head: one.branch,
      base: "main",
      title: "one",
      body: "",
      labels: [],
      author: ALICE,
    });
    const second = await github.openPullRequest({
      head: two.branch,
      base: "main",
      title: "two",
      body: "",
      labels: [],
      author: ALICE,
    });
    const squashed = await github.mergePullRequest({
      number: first.number,
      expectedHeadSha: one.commit,
      method: "squash",
      message: "Promote 2.0.0",
      mergedBy: ALICE,
    });
    expect(fake.commit(squashed.sha).parents).toHaveLength(1);
    await expect(
      github.mergePullRequest({
        number: second.number,
        expectedHeadSha: two.commit,
        method: "merge",
        message: "Promote 2.1.0",
        mergedBy: ALICE,
      }),
    ).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("cannot be merged"),
    });
  });

  it("closes (twice is fine) and comments", async () => {
    const { branch } = await promotionBranch();
    const pull = await github.openPullRequest({
      head: branch,
      base: "main",
      title: "t",
      body: "",
      labels: [],
      author: ALICE,
    });
    await github.addComment({
      number: pull.number,
      body: "Superseded by a newer promotion.",
      author: ALICE,
    });
    await github.closePullRequest(pull.number);
    await github.closePullRequest(pull.number);
    expect(await github.getPullRequest(pull.number)).toMatchObject({
      state: "closed",
      mergeCommitSha: null,
    });
    expect(fake.comments.filter((c) => c.pull === pull.number)).toEqual([
      {
        pull: pull.number,
        user: "gantry-bot",
        body: expect.stringContaining("Superseded by a newer promotion."),
      },
    ]);
    expect(await github.findPullRequest({ head: branch, base: "main" })).toMatchObject({
      state: "closed",
    });
  });

  it("sends the token on every request, and counts API calls per operation", async () => {
    // The promotion job's sequence (lib/promotion/open-pull-request.ts) for one app.
    github.resetApiCallCounts();
    const before = fake.requests.length;
    const main = fake.refs.get("refs/heads/main") ?? "";
    const branch = branchName();
    const path = "apps/payments/envs/prod/values.yaml";
    const current = await github.readFile({ ref: main, path });
    expect(await github.getBranch(branch)).toBeNull();
    await github.createBranch({ name: branch, from: main });
    await github.commitFiles({
      branch,
      parent: main,
      message: "Promote payments to prod: 1.50.0",
      author: ALICE,
      files: [{ path, content: (current ?? "").replace("1.41.0", "1.50.0") }],
    });
    expect(await github.findPullRequest({ head: branch, base: "main" })).toBeNull();
    await github.openPullRequest({
      head: branch,
      base: "main",
      title: "count",
      body: "",
      labels: ["gantry", "env:prod"],
      author: ALICE,
    });
    const requests = fake.requests.slice(before);
    const api = requests.filter((r) => !r.route?.startsWith("GET codeload"));
    expect(api.every((r) => r.authorization === `token ${token}`)).toBe(true);
    // The tarball's host gets the short-lived token of the redirect, never the credential.
    expect(requests.filter((r) => r.route?.startsWith("GET codeload"))).toMatchObject([
      { authorization: undefined },
    ]);
    const counts = github.apiCallCounts();
    expect(counts.total).toBe(api.length);
    expect(counts.byOperation).toEqual({
      readFile: 1, // the tarball (its redirect is followed within the call)
      getBranch: 1,
      createBranch: 1,
      commitFiles: 1, // createCommitOnBranch
      findPullRequest: 1,
      openPullRequest: 2, // pull request, labels
    });
    expect(counts).toMatchObject({ total: 7, writes: 4 });
  });
});
