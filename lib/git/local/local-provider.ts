import { existsSync } from "node:fs";
import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assertRef, commitLimit, normalizePath } from "@/lib/git/arguments";
import { gitError } from "@/lib/git/errors";
import { type GitObject, readObjects } from "@/lib/git/local/cat-file";
import { GitCli } from "@/lib/git/local/git-cli";
import {
  assertBranchName,
  branchHead,
  commitId,
  compareAndSwapBranch,
  treeWithFiles,
  writeCommit,
} from "@/lib/git/local/git-writes";
import { readObjectsQuickly } from "@/lib/git/local/object-reader";
import { LocalPullRequests } from "@/lib/git/local/pull-requests";
import { bareRepositoryPath } from "@/lib/git/local/repository-path";
import type {
  ChangeWrite,
  ChangeWritten,
  CheckSummary,
  CommitStatus,
  CommitSummary,
  FoundChange,
  GitPerson,
  GitProvider,
  PullRequest,
  PullRequestReview,
  TreeEntry,
} from "@/lib/git/provider";
import { writeChangeStepByStep } from "@/lib/git/write-change";

const LIST_TREE_THRESHOLD = 200;
const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
// Field and record separators that cannot occur in a subject, name or date.
const FIELD = "\x1f";
const RECORD = "\x1e";

export interface LocalGitProviderOptions {
  /** Gantry's data directory; the repository lives at `<dataDir>/git/<repository>.git`. */
  dataDir: string;
  repository: string;
  defaultBranch: string;
  timeoutMs?: number;
  /**
   * Where pull requests are kept. Reading the repository needs none; every
   * pull request operation refuses without one.
   */
  db?: PrismaClient;
}

/**
 * GitProvider over a bare repository on this machine: reads and branch/commit
 * writes with the `git` CLI, pull requests in Postgres (LocalPullRequests),
 * merges as real merge (or squash) commits on the base branch.
 */
export class LocalGitProvider implements GitProvider {
  readonly kind = "local" as const;
  readonly repository: string;
  readonly defaultBranch: string;
  readonly gitDir: string;
  /** The runner, for features built on this repository (branches, merges) that need raw git. */
  readonly git: GitCli;

  constructor(options: LocalGitProviderOptions) {
    this.repository = options.repository;
    this.defaultBranch = options.defaultBranch;
    this.gitDir = bareRepositoryPath(options.dataDir, options.repository);
    this.git = new GitCli({ gitDir: this.gitDir, timeoutMs: options.timeoutMs });
    this.db = options.db ?? null;
    this.pulls = options.db
      ? new LocalPullRequests({ db: options.db, git: this.git, repository: options.repository })
      : null;
  }

  private readonly pulls: LocalPullRequests | null;
  private readonly db: PrismaClient | null;

  private pullRequests(): LocalPullRequests {
    if (!this.pulls) {
      throw gitError(
        "unavailable",
        "pull requests of the local provider are kept in the database, and none was given",
      );
    }
    return this.pulls;
  }

  getBranch(name: string): Promise<string | null> {
    return this.guard(() => branchHead(this.git, name));
  }

  async createBranch(params: { name: string; from: string }): Promise<{
    sha: string;
    created: boolean;
  }> {
    assertBranchName(params.name);
    const from = await this.guard(() => commitId(this.git, params.from));
    const created = await compareAndSwapBranch(this.git, {
      name: params.name,
      next: from,
      expected: null,
      reason: "gantry: create branch",
    });
    if (created) return { sha: from, created: true };
    const existing = await branchHead(this.git, params.name);
    if (!existing) {
      throw gitError("unavailable", `could not create branch ${params.name}`, {
        details: { branch: params.name },
      });
    }
    return { sha: existing, created: false };
  }

  async commitFiles(params: {
    branch: string;
    parent: string;
    message: string;
    author: GitPerson;
    files: readonly { path: string; content: string }[];
  }): Promise<string> {
    // No look at the branch first: the compare-and-swap at the end is the check, and a
    // failed one is explained afterwards.
    const sha = await this.writeCommitObject(params);
    await this.moveBranch({ branch: params.branch, next: sha, expected: params.parent });
    return sha;
  }

  /** The commit of `files` on top of `parent`, written but pointed at by no ref yet. */
  private async writeCommitObject(params: {
    parent: string;
    message: string;
    author: GitPerson;
    files: readonly { path: string; content: string }[];
  }): Promise<string> {
    if (params.files.length === 0)
      throw gitError("bad_request", "a commit needs at least one file");
    const files = params.files.map((file) => ({
      path: normalizePath(file.path),
      content: file.content,
    }));
    const tree = await this.guard(() => treeWithFiles(this.git, params.parent, files));
    return writeCommit(this.git, {
      tree,
      parents: [params.parent],
      message: params.message,
      author: params.author,
    });
  }

  /** Moves `branch` from `expected` to `next`, or says why it could not. */
  private async moveBranch(params: { branch: string; next: string; expected: string }) {
    const moved = await compareAndSwapBranch(this.git, {
      name: params.branch,
      next: params.next,
      expected: params.expected,
      reason: "gantry: commit",
    });
    if (moved) return;
    const head = await this.getBranch(params.branch);
    if (head === null) {
      throw gitError("not_found", `branch ${params.branch} does not exist`, {
        details: { branch: params.branch },
      });
    }
    throw gitError(
      "conflict",
      `branch ${params.branch} is at ${head.slice(0, 12)}, not at the expected ${params.expected.slice(0, 12)}`,
      { details: { branch: params.branch, head, expected: params.expected } },
    );
  }

  async findPullRequest(params: { head: string; base: string }): Promise<PullRequest | null> {
    return this.pullRequests().find(params);
  }

  async openPullRequest(params: {
    head: string;
    base: string;
    title: string;
    body: string;
    labels: readonly string[];
    author: GitPerson;
  }): Promise<PullRequest> {
    return this.pullRequests().open(params);
  }

  async findChange(params: { branch: string; base: string }): Promise<FoundChange> {
    // The branch from git and the pull request from the database: neither needs the other.
    const [head, pullRequest] = await Promise.all([
      this.getBranch(params.branch),
      this.findPullRequest({ head: params.branch, base: params.base }),
    ]);
    return { head, pullRequest };
  }

  /**
   * A new branch whose one commit sits on the commit it starts from is made
   * at that commit in one ref update: the objects first (a crash leaves only
   * garbage), then the branch, so it never exists without its commit. An
   * existing branch is left as it is, and the commit goes onto it as
   * commitFiles would. Anything else goes step by step.
   */
  async writeChange(params: ChangeWrite): Promise<ChangeWritten> {
    const { branch, createFrom, commit } = params;
    if (createFrom === undefined || !commit || commit.parent !== createFrom) {
      return writeChangeStepByStep(this, params);
    }
    assertBranchName(branch);
    const sha = await this.writeCommitObject(commit);
    const created = await compareAndSwapBranch(this.git, {
      name: branch,
      next: sha,
      expected: null,
      reason: "gantry: create branch with commit",
    });
    if (!created) await this.moveBranch({ branch, next: sha, expected: commit.parent });
    const afterStep = params.afterStep ?? (() => undefined);
    await afterStep("branch");
    await afterStep("commit");
    if (!params.pullRequest) return { commit: sha, pullRequest: null };
    const pullRequest = await this.openPullRequest({ head: branch, ...params.pullRequest });
    await afterStep("pull_request");
    return { commit: sha, pullRequest };
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    return this.pullRequests().get(number);
  }

  async listReviews(number: number): Promise<PullRequestReview[]> {
    return this.pullRequests().listReviews(number);
  }

  async submitReview(params: {
    number: number;
    reviewer: GitPerson;
    decision: "approve" | "request_changes" | "comment";
    body: string;
  }): Promise<PullRequestReview> {
    return this.pullRequests().submitReview(params);
  }

  /** The local provider runs no CI: there are never checks. */
  /** The commit statuses posted here (Gantry's own `gantry/policy`); the local host runs no CI. */
  async getChecks(sha: string): Promise<CheckSummary> {
    await this.guard(() => commitId(this.git, sha));
    if (!this.db) return { state: "none", checks: [] };
    const statuses = await this.db.localCommitStatus.findMany({
      where: { repository: this.repository, sha },
      orderBy: { context: "asc" },
    });
    const checks = statuses.map((status) => ({
      name: `${status.context}: ${status.description}`,
      state: checkState(status.state),
      url: status.targetUrl,
    }));
    const state: CheckSummary["state"] =
      checks.length === 0
        ? "none"
        : checks.some((check) => check.state === "failure")
          ? "failure"
          : checks.some((check) => check.state === "pending")
            ? "pending"
            : "success";
    return { state, checks };
  }

  async setCommitStatus(params: CommitStatus): Promise<void> {
    await this.guard(() => commitId(this.git, params.sha));
    if (!this.db) {
      throw gitError(
        "unavailable",
        "commit statuses of the local provider are kept in the database, and none was given",
      );
    }
    const description = params.description.slice(0, 140);
    await this.db.localCommitStatus.upsert({
      where: {
        repository_sha_context: {
          repository: this.repository,
          sha: params.sha,
          context: params.context,
        },
      },
      create: {
        repository: this.repository,
        sha: params.sha,
        context: params.context,
        state: params.state,
        description,
        targetUrl: params.targetUrl,
      },
      update: { state: params.state, description, targetUrl: params.targetUrl },
    });
  }

  async mergePullRequest(params: {
    number: number;
    expectedHeadSha: string;
    method: "merge" | "squash";
    message: string;
    mergedBy: GitPerson;
  }): Promise<{ sha: string }> {
    return this.pullRequests().merge(params);
  }

  async closePullRequest(number: number): Promise<void> {
    return this.pullRequests().close(number);
  }

  async addComment(params: { number: number; body: string; author: GitPerson }): Promise<void> {
    return this.pullRequests().addComment(params);
  }

  /** Local pull requests have no page of their own; the promotion page shows them. */
  pullRequestUrl(_number: number): string | null {
    return null;
  }

  async resolveRef(ref: string): Promise<string> {
    assertRef(ref, "git");
    const [object] = await this.guard(() => readObjectsQuickly(this.git, [`${ref}^{commit}`]));
    if (object?.type !== "commit" || !/^[0-9a-f]{40,64}$/.test(object.oid)) {
      throw this.noSuchRef(ref);
    }
    return object.oid;
  }

  async listTree(params: {
    ref: string;
    path?: string;
    recursive?: boolean;
  }): Promise<TreeEntry[]> {
    const sha = await this.resolveRef(params.ref);
    const dir = normalizePath(params.path ?? "", { allowRoot: true });
    const treeish = dir === "" ? sha : `${sha}:${dir}`;
    const args = ["ls-tree", "-z"];
    if (params.recursive) args.push("-r", "-t");
    args.push("--end-of-options", treeish);
    const { stdout, exitCode, stderr } = await this.guard(() =>
      this.git.run(args, { okExitCodes: [128] }),
    );
    if (exitCode !== 0) {
      // A missing directory, or a path that names a file, has no entries.
      if (/not a valid object name|not a tree object/i.test(stderr)) return [];
      throw gitError("unavailable", `git ls-tree failed for "${dir}"`, { details: { exitCode } });
    }
    const prefix = dir === "" ? "" : `${dir}/`;
    const entries: TreeEntry[] = [];
    for (const record of stdout.toString("utf8").split("\0")) {
      if (record === "") continue;
      // <mode> SP <type> SP <object> TAB <path>
      const tab = record.indexOf("\t");
      const [, type, object] = record.slice(0, tab).split(" ");
      const name = record.slice(tab + 1);
      if (type === "blob") entries.push({ path: prefix + name, type: "file", sha: object });
      else if (type === "tree")
        entries.push({ path: prefix + name, type: "directory", sha: object });
      // Submodules ("commit" entries) have no content in this repository.
    }
    return entries;
  }

  async readFile(params: { ref: string; path: string }): Promise<string | null> {
    const files = await this.readFiles({ ref: params.ref, paths: [params.path] });
    return files.get(normalizePath(params.path)) ?? null;
  }

  async readFiles(params: { ref: string; paths: readonly string[] }): Promise<Map<string, string>> {
    const paths = [...new Set(params.paths.map((p) => normalizePath(p)))];
    // A commit id names the same tree for ever: the check that it is a commit goes to the
    // reader with the files, one request instead of two (a plan and a promotion's job read
    // at the plan's base commit). A branch is resolved first, so every file is read at one commit.
    if (OBJECT_ID.test(params.ref) && paths.length > 0 && paths.length < LIST_TREE_THRESHOLD) {
      return this.readFilesAtCommit(params.ref, paths);
    }
    const sha = await this.resolveRef(params.ref);
    if (paths.length === 0) return new Map();

    // git finds `<commit>:<path>` by scanning each tree on the way linearly,
    // and apps/ holds one entry per app: at 10,000 apps that makes lookups by
    // path ~25x slower than by object id. For large batches one `ls-tree -r`
    // maps every path to its blob first.
    let requests: Array<{ path: string; name: string }>;
    if (paths.length >= LIST_TREE_THRESHOLD) {
      const blobs = await this.blobIds(sha);
      requests = paths.flatMap((path) => {
        const oid = blobs.get(path);
        return oid ? [{ path, name: oid }] : [];
      });
    } else {
      requests = paths.map((path) => ({ path, name: `${sha}:${path}` }));
    }

    const names = requests.map((r) => r.name);
    const objects = await this.guard(() =>
      requests.length >= LIST_TREE_THRESHOLD
        ? readObjects(this.git, names)
        : readObjectsQuickly(this.git, names),
    );
    return blobTexts(
      requests.map((r) => r.path),
      objects,
    );
  }

  /** readFiles at a commit id, with the commit's check in the same request to the reader. */
  private async readFilesAtCommit(
    commit: string,
    paths: readonly string[],
  ): Promise<Map<string, string>> {
    const [object, ...blobs] = await this.guard(() =>
      readObjectsQuickly(this.git, [
        `${commit}^{commit}`,
        ...paths.map((path) => `${commit}:${path}`),
      ]),
    );
    if (object?.type !== "commit") throw this.noSuchRef(commit);
    return blobTexts(paths, blobs);
  }

  private noSuchRef(ref: string) {
    return gitError("not_found", `ref "${ref}" does not exist in repository ${this.repository}`, {
      details: { ref, repository: this.repository },
    });
  }

  async listFilesUnder(params: { ref: string; paths: readonly string[] }): Promise<TreeEntry[]> {
    const sha = await this.resolveRef(params.ref);
    const wanted = [...new Set(params.paths.map((p) => normalizePath(p)))];
    if (wanted.length === 0) return [];
    // `--literal-pathspecs`: a path is a path, never a glob or a magic pathspec.
    const { stdout } = await this.guard(() =>
      this.git.run([
        "--literal-pathspecs",
        "ls-tree",
        "-r",
        "-z",
        "--full-tree",
        "--end-of-options",
        sha,
        "--",
        ...wanted,
      ]),
    );
    const entries: TreeEntry[] = [];
    for (const record of stdout.toString("utf8").split("\0")) {
      const tab = record.indexOf("\t");
      if (tab < 0) continue;
      const [, type, object] = record.slice(0, tab).split(" ");
      const path = record.slice(tab + 1);
      const under = wanted.some((p) => path === p || path.startsWith(`${p}/`));
      if (type === "blob" && under) entries.push({ path, type: "file", sha: object });
    }
    return entries;
  }

  async changedPaths(params: { from: string; to: string }): Promise<string[] | null> {
    let from: string;
    let to: string;
    try {
      [from, to] = await Promise.all([this.resolveRef(params.from), this.resolveRef(params.to)]);
    } catch (error) {
      // A commit gone from the repository (a rewritten history): the caller reads `to` whole.
      if (isGantryError(error) && error.code === "not_found") return null;
      throw error;
    }
    const { stdout } = await this.guard(() =>
      this.git.run(["diff-tree", "-r", "-z", "--no-renames", "--name-only", from, to]),
    );
    return stdout
      .toString("utf8")
      .split("\0")
      .filter((path) => path !== "");
  }

  async readBlobs(ids: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids)];
    for (const id of wanted) {
      if (!OBJECT_ID.test(id)) {
        throw gitError("bad_request", `"${id.slice(0, 80)}" is not an object id`);
      }
    }
    const objects = await this.guard(() =>
      wanted.length >= LIST_TREE_THRESHOLD
        ? readObjects(this.git, wanted)
        : readObjectsQuickly(this.git, wanted),
    );
    return blobTexts(wanted, objects);
  }

  /** Every file of a commit, path → blob id. */
  private async blobIds(commit: string): Promise<Map<string, string>> {
    const { stdout } = await this.guard(() =>
      this.git.run(["ls-tree", "-r", "-z", "--full-tree", "--end-of-options", commit]),
    );
    const blobs = new Map<string, string>();
    for (const record of stdout.toString("utf8").split("\0")) {
      const tab = record.indexOf("\t");
      if (tab < 0) continue;
      const [, type, object] = record.slice(0, tab).split(" ");
      if (type === "blob" && object) blobs.set(record.slice(tab + 1), object);
    }
    return blobs;
  }

  async listCommits(params: {
    ref: string;
    path?: string;
    limit?: number;
  }): Promise<CommitSummary[]> {
    const sha = await this.resolveRef(params.ref);
    const limit = commitLimit(params.limit);
    const args = [
      "log",
      `--format=%H${FIELD}%s${FIELD}%an${FIELD}%ae${FIELD}%aI${RECORD}`,
      `--max-count=${limit}`,
      "--end-of-options",
      sha,
    ];
    if (params.path !== undefined) {
      const path = normalizePath(params.path, { allowRoot: true });
      if (path !== "") args.push("--", path);
    }
    const output = await this.guard(() => this.git.text(args));
    const commits: CommitSummary[] = [];
    for (const record of output.split(RECORD)) {
      const fields = record.replace(/^\n/, "").split(FIELD);
      if (fields.length !== 5) continue;
      const [commitSha = "", subject = "", authorName = "", authorEmail = "", authoredAt = ""] =
        fields;
      commits.push({
        sha: commitSha,
        subject,
        authorName,
        authorEmail,
        authoredAt: new Date(authoredAt).toISOString(),
      });
    }
    return commits;
  }

  fileUrl(params: { ref: string; path: string }): string | null {
    const path = normalizePath(params.path)
      .split("/")
      .map((segment) => encodeURIComponent(segment))
      .join("/");
    return `/repos/${encodeURIComponent(this.repository)}/blob/${encodeURIComponent(params.ref)}/${path}`;
  }

  async isAncestor(params: { ancestor: string; descendant: string }): Promise<boolean> {
    // resolveRef refuses unknown commits with not_found, so exit 1 below means "not an ancestor".
    const [ancestor, descendant] = await Promise.all([
      this.resolveRef(params.ancestor),
      this.resolveRef(params.descendant),
    ]);
    const { exitCode } = await this.guard(() =>
      this.git.run(["merge-base", "--is-ancestor", ancestor, descendant], { okExitCodes: [1] }),
    );
    return exitCode === 0;
  }

  /** Turns "this is not a repository" into one clear error instead of git's wording. */
  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (!existsSync(this.gitDir)) {
        throw gitError(
          "unavailable",
          `repository ${this.repository} does not exist yet (it is created at start)`,
          { details: { repository: this.repository }, cause: error },
        );
      }
      throw error;
    }
  }
}

/**
 * Refs go on git's command line: no option look-alikes, whitespace, control
 * characters or revision syntax (`a..b`, `x:path`), which would make one
 * ref mean something else.
 */

/** A stored status as a check reads: error counts as failure, as on GitHub. */
function checkState(state: string): "success" | "pending" | "failure" {
  return state === "success" || state === "pending" ? state : "failure";
}

/** The blobs among `objects` as text, each under the key at its position (a path or an id); anything else is left out. */
function blobTexts(
  keys: readonly string[],
  objects: readonly (GitObject | null)[],
): Map<string, string> {
  const texts = new Map<string, string>();
  objects.forEach((object, index) => {
    const key = keys[index];
    if (object?.type === "blob" && key !== undefined)
      texts.set(key, object.content.toString("utf8"));
  });
  return texts;
}
