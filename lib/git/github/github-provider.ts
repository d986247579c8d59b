import type { z } from "zod";
import { assertRef, commitLimit, normalizePath } from "@/lib/git/arguments";
import {
  type ApiCallCounts,
  GitHubClient,
  type GitHubClientOptions,
  githubError,
  githubMessage,
  type HttpFailure,
  httpFailure,
  validated,
} from "@/lib/git/github/client";
import {
  blobSchema,
  checkRunListSchema,
  combinedStatusSchema,
  commentSchema,
  commitListSchema,
  commitSchema,
  comparisonSchema,
  contentFileSchema,
  createdObjectSchema,
  gitCommitSchema,
  labelListSchema,
  mergeResultSchema,
  pullRequestListSchema,
  pullRequestSchema,
  refSchema,
  reviewListSchema,
  reviewSchema,
  treeSchema,
} from "@/lib/git/github/schemas";
import type {
  CheckSummary,
  CommitSummary,
  GitPerson,
  GitProvider,
  PullRequest,
  PullRequestReview,
  TreeEntry,
} from "@/lib/git/provider";

/** Parallel blob reads and writes: enough to hide latency, few enough not to look like abuse. */
const CONCURRENCY = 8;
const TREE_CACHE_SIZE = 4;
/** File contents kept by blob SHA (immutable), so a re-import fetches only what changed. */
const BLOB_CACHE_CHARS = 32 * 1024 * 1024;

export interface GitHubProviderOptions extends GitHubClientOptions {
  owner: string;
  repository: string;
  defaultBranch: string;
  /** Browser root for links; derived from apiUrl when absent (api.github.com → github.com, <host>/api/v3 → <host>). */
  webUrl?: string;
}

type Answer = { data: unknown };
type Attempt = { ok: true; data: unknown } | { ok: false; failure: HttpFailure };

/**
 * GitProvider over GitHub's REST API (github.com or GitHub Enterprise Server).
 * Reads use the commits, trees and blobs APIs; a commit is made with the Git
 * Data API (blobs → tree → commit → ref), so a change of many files is one
 * commit. Every answer used is validated; every failure is a GantryError
 * tagged `system: "github"` that quotes GitHub's message, never a credential.
 */
export class GitHubProvider implements GitProvider {
  readonly kind = "github" as const;
  readonly repository: string;
  readonly defaultBranch: string;
  readonly owner: string;
  readonly client: GitHubClient;
  private readonly webRepoUrl: string;
  /** Trees by SHA: immutable, so caching them is always right. */
  private readonly trees = new Map<string, z.output<typeof treeSchema>>();
  private readonly blobs = new Map<string, string>();
  private blobChars = 0;

  constructor(options: GitHubProviderOptions) {
    this.owner = options.owner;
    this.repository = options.repository;
    this.defaultBranch = options.defaultBranch;
    this.client = new GitHubClient(options);
    const web = (options.webUrl ?? webUrlFor(options.apiUrl)).replace(/\/+$/, "");
    this.webRepoUrl = `${web}/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repository)}`;
  }

  /** API calls made so far, per operation (for the benchmark). */
  apiCallCounts(): ApiCallCounts {
    return this.client.apiCallCounts();
  }

  resetApiCallCounts(): void {
    this.client.resetApiCallCounts();
  }

  private get repo() {
    return { owner: this.owner, repo: this.repository };
  }

  private get rest() {
    return this.client.octokit.rest;
  }

  // ---- reading ----

  resolveRef(ref: string): Promise<string> {
    return this.client.run("resolveRef", async () => (await this.commit(ref)).sha);
  }

  private async commit(ref: string): Promise<z.output<typeof commitSchema>> {
    assertRef(ref, "github");
    const what = `GET commits/${ref}`;
    // per_page bounds the list of changed files the answer carries.
    const attempt = await this.attempt(() =>
      this.rest.repos.getCommit({ ...this.repo, ref, per_page: 1 }),
    );
    if (!attempt.ok) {
      if (attempt.failure.status === 404 || attempt.failure.status === 422) {
        throw githubError("not_found", `ref "${ref}" does not exist in ${this.fullName}`, {
          details: { ref, repository: this.fullName },
        });
      }
      throw this.failed(what, attempt.failure);
    }
    return validated(commitSchema, attempt.data, what);
  }

  listTree(params: { ref: string; path?: string; recursive?: boolean }): Promise<TreeEntry[]> {
    return this.client.run("listTree", async () => {
      const commit = await this.commit(params.ref);
      const dir = normalizePath(params.path ?? "", { allowRoot: true });
      const dirSha =
        dir === "" ? commit.commit.tree.sha : await this.subtreeSha(commit.commit.tree.sha, dir);
      if (dirSha === null) return [];
      const prefix = dir === "" ? "" : `${dir}/`;
      const entries = params.recursive
        ? await this.recursiveEntries(dirSha)
        : (await this.tree(dirSha, false)).tree;
      return entries.flatMap((entry): TreeEntry[] => {
        if (entry.type === "blob")
          return [{ path: prefix + entry.path, type: "file", sha: entry.sha }];
        if (entry.type === "tree")
          return [{ path: prefix + entry.path, type: "directory", sha: entry.sha }];
        return []; // submodules have no content here
      });
    });
  }

  readFile(params: { ref: string; path: string }): Promise<string | null> {
    return this.client.run("readFile", async () => {
      const path = normalizePath(params.path);
      assertRef(params.ref, "github");
      // One call, instead of commit + tree + blob.
      const what = `GET contents/${path}`;
      const attempt = await this.attempt(() =>
        this.rest.repos.getContent({ ...this.repo, path, ref: params.ref }),
      );
      if (!attempt.ok) {
        if (attempt.failure.status === 404) return null;
        throw this.failed(what, attempt.failure);
      }
      if (Array.isArray(attempt.data)) return null; // a directory
      const file = contentFileSchema.safeParse(attempt.data);
      if (!file.success) return null; // a symlink or submodule is not a file we read
      // Files over 1 MB come back without content: read the blob.
      if (file.data.encoding === "none") return this.blob(file.data.sha);
      return decode(file.data.content, file.data.encoding, what);
    });
  }

  readFiles(params: { ref: string; paths: readonly string[] }): Promise<Map<string, string>> {
    return this.client.run("readFiles", async () => {
      const files = new Map<string, string>();
      const paths = [...new Set(params.paths.map((p) => normalizePath(p)))];
      if (paths.length === 0) return files;
      const commit = await this.commit(params.ref);
      const blobs = await this.blobShas(commit.commit.tree.sha, paths);
      const wanted = paths.flatMap((path) => {
        const sha = blobs.get(path);
        return sha ? [{ path, sha }] : [];
      });
      const contents = await mapLimit(wanted, CONCURRENCY, (item) => this.blob(item.sha));
      wanted.forEach((item, index) => {
        const content = contents[index];
        if (content !== undefined) files.set(item.path, content);
      });
      return files;
    });
  }

  listCommits(params: { ref: string; path?: string; limit?: number }): Promise<CommitSummary[]> {
    return this.client.run("listCommits", async () => {
      assertRef(params.ref, "github");
      const limit = commitLimit(params.limit);
      const path = params.path === undefined ? "" : normalizePath(params.path, { allowRoot: true });
      const commits: CommitSummary[] = [];
      for (let page = 1; commits.length < limit; page++) {
        const perPage = Math.min(100, limit);
        const what = `GET commits?sha=${params.ref}`;
        const attempt = await this.attempt(() =>
          this.rest.repos.listCommits({
            ...this.repo,
            sha: params.ref,
            ...(path === "" ? {} : { path }),
            per_page: perPage,
            page,
          }),
        );
        if (!attempt.ok) {
          if (attempt.failure.status === 404 || attempt.failure.status === 422) {
            throw githubError(
              "not_found",
              `ref "${params.ref}" does not exist in ${this.fullName}`,
            );
          }
          throw this.failed(what, attempt.failure);
        }
        const batch = validated(commitListSchema, attempt.data, what);
        for (const commit of batch) {
          if (commits.length >= limit) break;
          commits.push({
            sha: commit.sha,
            subject: commit.commit.message.split("\n", 1)[0] ?? "",
            authorName: commit.commit.author?.name ?? "",
            authorEmail: commit.commit.author?.email ?? "",
            authoredAt: isoDate(commit.commit.author?.date),
          });
        }
        if (batch.length < perPage) break;
      }
      return commits;
    });
  }

  fileUrl(params: { ref: string; path: string }): string | null {
    const path = normalizePath(params.path)
      .split("/")
      .map((segment) => encodeURIComponent(segment))
      .join("/");
    return `${this.webRepoUrl}/blob/${encodeURIComponent(params.ref)}/${path}`;
  }

  isAncestor(params: { ancestor: string; descendant: string }): Promise<boolean> {
    return this.client.run("isAncestor", async () => {
      assertRef(params.ancestor, "github");
      assertRef(params.descendant, "github");
      const basehead = `${params.ancestor}...${params.descendant}`;
      const what = `GET compare/${basehead}`;
      // per_page=1: only the status is needed, not the list of commits between.
      const attempt = await this.attempt(() =>
        this.rest.repos.compareCommitsWithBasehead({ ...this.repo, basehead, per_page: 1 }),
      );
      if (!attempt.ok) {
        if (attempt.failure.status === 404 || attempt.failure.status === 422) {
          throw githubError("not_found", `commit ${basehead} is not known in ${this.fullName}`, {
            details: { ...params, repository: this.fullName },
          });
        }
        throw this.failed(what, attempt.failure);
      }
      const { status } = validated(comparisonSchema, attempt.data, what);
      // "ahead": descendant has commits the ancestor lacks and none the other way round.
      return status === "identical" || status === "ahead";
    });
  }

  pullRequestUrl(number: number): string | null {
    return `${this.webRepoUrl}/pull/${number}`;
  }

  // ---- writing ----

  getBranch(name: string): Promise<string | null> {
    return this.client.run("getBranch", () => this.branchHead(name));
  }

  private async branchHead(name: string): Promise<string | null> {
    assertRef(name, "github");
    const what = `GET git/ref/heads/${name}`;
    const attempt = await this.attempt(() =>
      this.rest.git.getRef({ ...this.repo, ref: `heads/${name}` }),
    );
    if (!attempt.ok) {
      if (attempt.failure.status === 404) return null;
      throw this.failed(what, attempt.failure);
    }
    const ref = validated(refSchema, attempt.data, what);
    // getRef matches exactly, but be sure: a prefix match would be another branch.
    if (ref.ref !== `refs/heads/${name}`) return null;
    return ref.object.sha;
  }

  createBranch(params: { name: string; from: string }): Promise<{ sha: string; created: boolean }> {
    return this.client.run("createBranch", async () => {
      assertRef(params.name, "github");
      assertSha(params.from);
      const what = "POST git/refs";
      const attempt = await this.attempt(() =>
        this.rest.git.createRef({
          ...this.repo,
          ref: `refs/heads/${params.name}`,
          sha: params.from,
        }),
      );
      if (attempt.ok) {
        return { sha: validated(refSchema, attempt.data, what).object.sha, created: true };
      }
      if (
        attempt.failure.status === 422 &&
        /already exists/i.test(githubMessage(attempt.failure))
      ) {
        const sha = await this.branchHead(params.name);
        if (sha !== null) return { sha, created: false };
      }
      if (attempt.failure.status === 422) {
        throw githubError(
          "unprocessable",
          `cannot create branch "${params.name}": ${githubMessage(attempt.failure)}`,
          {
            details: { branch: params.name, from: params.from },
          },
        );
      }
      throw this.failed(what, attempt.failure);
    });
  }

  commitFiles(params: {
    branch: string;
    parent: string;
    message: string;
    author: GitPerson;
    files: readonly { path: string; content: string }[];
  }): Promise<string> {
    return this.client.run("commitFiles", async () => {
      assertSha(params.parent);
      if (params.files.length === 0)
        throw githubError("bad_request", "a commit needs at least one file");
      const files = params.files.map((file) => ({
        path: normalizePath(file.path),
        content: file.content,
      }));
      const head = await this.branchHead(params.branch);
      if (head === null) {
        throw githubError(
          "not_found",
          `branch "${params.branch}" does not exist in ${this.fullName}`,
        );
      }
      if (head !== params.parent) throw headMoved(params.branch, params.parent, head);

      const parent = validated(
        gitCommitSchema,
        await this.call(`GET git/commits/${params.parent}`, () =>
          this.rest.git.getCommit({ ...this.repo, commit_sha: params.parent }),
        ),
        "GET git/commits",
      );
      const blobShas = await mapLimit(files, CONCURRENCY, async (file) => {
        const what = "POST git/blobs";
        const data = await this.call(what, () =>
          this.rest.git.createBlob({
            ...this.repo,
            content: Buffer.from(file.content, "utf8").toString("base64"),
            encoding: "base64",
          }),
        );
        return validated(createdObjectSchema, data, what).sha;
      });
      const tree = validated(
        createdObjectSchema,
        await this.call("POST git/trees", () =>
          this.rest.git.createTree({
            ...this.repo,
            base_tree: parent.tree.sha,
            tree: files.map((file, index) => ({
              path: file.path,
              mode: "100644" as const,
              type: "blob" as const,
              sha: blobShas[index] ?? "",
            })),
          }),
        ),
        "POST git/trees",
      );
      const person = {
        name: params.author.name,
        email: params.author.email,
        date: new Date().toISOString(),
      };
      const commit = validated(
        createdObjectSchema,
        await this.call("POST git/commits", () =>
          this.rest.git.createCommit({
            ...this.repo,
            message: params.message,
            tree: tree.sha,
            parents: [params.parent],
            author: person,
            committer: person,
          }),
        ),
        "POST git/commits",
      );
      // force: false — GitHub refuses unless the new commit descends from the branch's head,
      // so a head that moved since we looked is a conflict, not an overwrite.
      const what = `PATCH git/refs/heads/${params.branch}`;
      const update = await this.attempt(() =>
        this.rest.git.updateRef({
          ...this.repo,
          ref: `heads/${params.branch}`,
          sha: commit.sha,
          force: false,
        }),
      );
      if (!update.ok) {
        if (update.failure.status === 422 || update.failure.status === 409) {
          const now = await this.branchHead(params.branch);
          throw headMoved(params.branch, params.parent, now ?? "(deleted)");
        }
        throw this.failed(what, update.failure);
      }
      validated(refSchema, update.data, what);
      return commit.sha;
    });
  }

  findPullRequest(params: { head: string; base: string }): Promise<PullRequest | null> {
    return this.client.run("findPullRequest", async () => {
      assertRef(params.head, "github");
      assertRef(params.base, "github");
      const what = "GET pulls";
      const data = await this.call(what, () =>
        this.rest.pulls.list({
          ...this.repo,
          head: `${this.owner}:${params.head}`,
          base: params.base,
          state: "all",
          sort: "created",
          direction: "desc",
          per_page: 10,
        }),
      );
      const pulls = validated(pullRequestListSchema, data, what).filter(
        (pull) => pull.head.ref === params.head && pull.base.ref === params.base,
      );
      const newest = pulls.sort((a, b) => b.number - a.number)[0];
      return newest ? this.toPullRequest(newest, newest.merged_at !== null) : null;
    });
  }

  openPullRequest(params: {
    head: string;
    base: string;
    title: string;
    body: string;
    labels: readonly string[];
    author: GitPerson;
  }): Promise<PullRequest> {
    return this.client.run("openPullRequest", async () => {
      assertRef(params.head, "github");
      assertRef(params.base, "github");
      const what = "POST pulls";
      // Not retried blindly: a retry after a lost answer would meet "already exists", handled below.
      const attempt = await this.attempt(() =>
        this.rest.pulls.create({
          ...this.repo,
          head: params.head,
          base: params.base,
          title: params.title,
          body: params.body,
          request: { retries: 0 },
        }),
      );
      let pull: PullRequest;
      if (attempt.ok) {
        const created = validated(pullRequestSchema, attempt.data, what);
        pull = this.toPullRequest(created, created.merged);
      } else if (
        attempt.failure.status === 422 &&
        /already exists/i.test(githubMessage(attempt.failure))
      ) {
        const existing = await this.findPullRequest({ head: params.head, base: params.base });
        if (!existing) throw this.failed(what, attempt.failure);
        pull = existing;
      } else if (attempt.failure.status === 422) {
        throw githubError(
          "unprocessable",
          `cannot open a pull request from "${params.head}" to "${params.base}": ${githubMessage(attempt.failure)}`,
        );
      } else {
        throw this.failed(what, attempt.failure);
      }

      const missing = params.labels.filter((label) => !pull.labels.includes(label));
      if (missing.length > 0) {
        const labelsWhat = `POST issues/${pull.number}/labels`;
        const labels = validated(
          labelListSchema,
          await this.call(labelsWhat, () =>
            this.rest.issues.addLabels({
              ...this.repo,
              issue_number: pull.number,
              labels: missing,
            }),
          ),
          labelsWhat,
        );
        pull = { ...pull, labels: labels.map((label) => label.name) };
      }
      return pull;
    });
  }

  getPullRequest(number: number): Promise<PullRequest> {
    return this.client.run("getPullRequest", () => this.pull(number));
  }

  private async pull(number: number): Promise<PullRequest> {
    const what = `GET pulls/${number}`;
    const attempt = await this.attempt(() =>
      this.rest.pulls.get({ ...this.repo, pull_number: number }),
    );
    if (!attempt.ok) {
      if (attempt.failure.status === 404) {
        throw githubError(
          "not_found",
          `pull request #${number} does not exist in ${this.fullName}`,
        );
      }
      throw this.failed(what, attempt.failure);
    }
    const pull = validated(pullRequestSchema, attempt.data, what);
    return this.toPullRequest(pull, pull.merged);
  }

  /**
   * The pull request unless it is unchanged since the answer that carried
   * `etag` (a conditional GET with `If-None-Match`): GitHub answers 304,
   * which does not count against the rate limit. For the poller.
   */
  getPullRequestIfChanged(
    number: number,
    etag: string | null,
  ): Promise<
    { notModified: true } | { notModified: false; pullRequest: PullRequest; etag: string | null }
  > {
    return this.client.run("getPullRequestIfChanged", async () => {
      const what = `GET pulls/${number}`;
      let response: { data: unknown; headers: { etag?: string } };
      try {
        response = await this.rest.pulls.get({
          ...this.repo,
          pull_number: number,
          ...(etag ? { headers: { "if-none-match": etag } } : {}),
        });
      } catch (error) {
        const failure = httpFailure(error);
        if (failure === null) throw error;
        if (failure.status === 304) return { notModified: true as const };
        if (failure.status === 404) {
          throw githubError(
            "not_found",
            `pull request #${number} does not exist in ${this.fullName}`,
          );
        }
        throw this.failed(what, failure);
      }
      const pull = validated(pullRequestSchema, response.data, what);
      return {
        notModified: false as const,
        pullRequest: this.toPullRequest(pull, pull.merged),
        etag: response.headers.etag ?? null,
      };
    });
  }

  listReviews(number: number): Promise<PullRequestReview[]> {
    return this.client.run("listReviews", async () => {
      const reviews: PullRequestReview[] = [];
      for (let page = 1; page <= 10; page++) {
        const what = `GET pulls/${number}/reviews`;
        const attempt = await this.attempt(() =>
          this.rest.pulls.listReviews({ ...this.repo, pull_number: number, per_page: 100, page }),
        );
        if (!attempt.ok) {
          if (attempt.failure.status === 404) {
            throw githubError(
              "not_found",
              `pull request #${number} does not exist in ${this.fullName}`,
            );
          }
          throw this.failed(what, attempt.failure);
        }
        const batch = validated(reviewListSchema, attempt.data, what);
        for (const review of batch) {
          const converted = toReview(review);
          if (converted) reviews.push(converted);
        }
        if (batch.length < 100) break;
      }
      return reviews;
    });
  }

  submitReview(params: {
    number: number;
    reviewer: GitPerson;
    decision: "approve" | "request_changes" | "comment";
    body: string;
  }): Promise<PullRequestReview> {
    return this.client.run("submitReview", async () => {
      const what = `POST pulls/${params.number}/reviews`;
      const event = (
        { approve: "APPROVE", request_changes: "REQUEST_CHANGES", comment: "COMMENT" } as const
      )[params.decision];
      const attempt = await this.attempt(() =>
        this.rest.pulls.createReview({
          ...this.repo,
          pull_number: params.number,
          event,
          body: onBehalfOf(params.body, params.reviewer),
          request: { retries: 0 },
        }),
      );
      if (!attempt.ok) {
        if (attempt.failure.status === 422) {
          // e.g. "Can not approve your own pull request": the App opened it and cannot approve it.
          throw githubError(
            "unprocessable",
            `GitHub refused the review: ${githubMessage(attempt.failure)}`,
            {
              details: { pullRequest: params.number },
            },
          );
        }
        throw this.failed(what, attempt.failure);
      }
      const review = toReview(validated(reviewSchema, attempt.data, what));
      if (!review)
        throw githubError("unavailable", `GitHub left the review on #${params.number} pending`);
      return review;
    });
  }

  getChecks(sha: string): Promise<CheckSummary> {
    return this.client.run("getChecks", async () => {
      assertSha(sha);
      const [statusData, runsData] = await Promise.all([
        this.call(`GET commits/${sha}/status`, () =>
          this.rest.repos.getCombinedStatusForRef({ ...this.repo, ref: sha, per_page: 100 }),
        ),
        this.call(`GET commits/${sha}/check-runs`, () =>
          this.rest.checks.listForRef({ ...this.repo, ref: sha, per_page: 100 }),
        ),
      ]);
      const status = validated(combinedStatusSchema, statusData, "GET commits/{sha}/status");
      const runs = validated(checkRunListSchema, runsData, "GET commits/{sha}/check-runs");
      const checks: CheckSummary["checks"] = [
        ...status.statuses.map((s) => ({
          name: s.context,
          state: statusState(s.state),
          url: s.target_url,
        })),
        ...runs.check_runs.map((run) => ({
          name: run.name,
          state: checkRunState(run.status, run.conclusion),
          url: run.html_url ?? run.details_url,
        })),
      ];
      let state: CheckSummary["state"] = "none";
      if (checks.some((c) => c.state === "failure")) state = "failure";
      else if (checks.some((c) => c.state === "pending")) state = "pending";
      else if (checks.length > 0) state = "success";
      return { state, checks };
    });
  }

  mergePullRequest(params: {
    number: number;
    expectedHeadSha: string;
    method: "merge" | "squash";
    message: string;
    mergedBy: GitPerson;
  }): Promise<{ sha: string }> {
    return this.client.run("mergePullRequest", async () => {
      assertSha(params.expectedHeadSha);
      const [title = "", ...rest] = params.message.split("\n");
      const what = `PUT pulls/${params.number}/merge`;
      const attempt = await this.attempt(() =>
        this.rest.pulls.merge({
          ...this.repo,
          pull_number: params.number,
          sha: params.expectedHeadSha,
          merge_method: params.method,
          commit_title: title,
          commit_message: rest.join("\n").trim(),
        }),
      );
      if (attempt.ok) return { sha: validated(mergeResultSchema, attempt.data, what).sha };
      const { status } = attempt.failure;
      if (status !== 405 && status !== 409 && status !== 422)
        throw this.failed(what, attempt.failure);
      // Say why, from the pull request itself.
      const pull = await this.pull(params.number);
      if (pull.state === "merged" && pull.mergeCommitSha) return { sha: pull.mergeCommitSha };
      if (pull.headSha !== params.expectedHeadSha) {
        throw githubError(
          "conflict",
          `pull request #${params.number} changed since it was reviewed: its head is ${pull.headSha.slice(0, 12)}, not ${params.expectedHeadSha.slice(0, 12)}`,
          {
            details: {
              pullRequest: params.number,
              expectedHeadSha: params.expectedHeadSha,
              headSha: pull.headSha,
            },
          },
        );
      }
      if (pull.state === "closed") {
        throw githubError("conflict", `pull request #${params.number} is closed`, {
          details: { pullRequest: params.number },
        });
      }
      throw githubError(
        "conflict",
        `pull request #${params.number} cannot be merged: ${githubMessage(attempt.failure)}`,
        { details: { pullRequest: params.number } },
      );
    });
  }

  closePullRequest(number: number): Promise<void> {
    return this.client.run("closePullRequest", async () => {
      const what = `PATCH pulls/${number}`;
      const attempt = await this.attempt(() =>
        this.rest.pulls.update({ ...this.repo, pull_number: number, state: "closed" }),
      );
      if (attempt.ok) {
        validated(pullRequestSchema, attempt.data, what);
        return;
      }
      if (attempt.failure.status === 404) {
        throw githubError(
          "not_found",
          `pull request #${number} does not exist in ${this.fullName}`,
        );
      }
      if (attempt.failure.status === 422) {
        // GitHub refuses to change a merged pull request: it is as closed as it gets.
        const pull = await this.pull(number);
        if (pull.state !== "open") return;
      }
      throw this.failed(what, attempt.failure);
    });
  }

  addComment(params: { number: number; body: string; author: GitPerson }): Promise<void> {
    return this.client.run("addComment", async () => {
      const what = `POST issues/${params.number}/comments`;
      const data = await this.call(what, () =>
        this.rest.issues.createComment({
          ...this.repo,
          issue_number: params.number,
          body: onBehalfOf(params.body, params.author),
          // A comment is not idempotent: a retry after a lost answer would post it twice.
          request: { retries: 0 },
        }),
      );
      validated(commentSchema, data, what);
    });
  }

  // ---- trees and blobs ----

  private async tree(sha: string, recursive: boolean): Promise<z.output<typeof treeSchema>> {
    const key = `${sha}:${recursive}`;
    const cached = this.trees.get(key);
    if (cached) return cached;
    const what = `GET git/trees/${sha}`;
    const data = await this.call(what, () =>
      this.rest.git.getTree({
        ...this.repo,
        tree_sha: sha,
        ...(recursive ? { recursive: "1" } : {}),
      }),
    );
    const tree = validated(treeSchema, data, what);
    this.trees.set(key, tree);
    while (this.trees.size > TREE_CACHE_SIZE) {
      const oldest = this.trees.keys().next().value;
      if (oldest === undefined) break;
      this.trees.delete(oldest);
    }
    return tree;
  }

  /** Every entry below a tree, paths relative to it; walks level by level when GitHub truncates. */
  private async recursiveEntries(sha: string): Promise<z.output<typeof treeSchema>["tree"]> {
    const whole = await this.tree(sha, true);
    if (!whole.truncated) return whole.tree;
    const entries: z.output<typeof treeSchema>["tree"] = [];
    let level = [{ prefix: "", sha }];
    while (level.length > 0) {
      const trees = await mapLimit(level, CONCURRENCY, (dir) => this.tree(dir.sha, false));
      const next: { prefix: string; sha: string }[] = [];
      trees.forEach((tree, index) => {
        const prefix = level[index]?.prefix ?? "";
        for (const entry of tree.tree) {
          const path = prefix + entry.path;
          entries.push({ ...entry, path });
          if (entry.type === "tree") next.push({ prefix: `${path}/`, sha: entry.sha });
        }
      });
      level = next;
    }
    return entries;
  }

  /** The SHA of the tree at `dir`, or null when there is no such directory. */
  private async subtreeSha(rootSha: string, dir: string): Promise<string | null> {
    let sha = rootSha;
    for (const segment of dir.split("/")) {
      const entry = (await this.tree(sha, false)).tree.find((e) => e.path === segment);
      if (entry?.type !== "tree") return null;
      sha = entry.sha;
    }
    return sha;
  }

  /** path → blob SHA for the wanted paths, from one recursive tree, or directory by directory when truncated. */
  private async blobShas(rootSha: string, paths: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const whole = await this.tree(rootSha, true);
    if (!whole.truncated) {
      const wanted = new Set(paths);
      for (const entry of whole.tree) {
        if (entry.type === "blob" && wanted.has(entry.path)) found.set(entry.path, entry.sha);
      }
      return found;
    }
    const byDir = new Map<string, string[]>();
    for (const path of paths) {
      const slash = path.lastIndexOf("/");
      const dir = slash < 0 ? "" : path.slice(0, slash);
      byDir.set(dir, [...(byDir.get(dir) ?? []), path]);
    }
    await mapLimit([...byDir], CONCURRENCY, async ([dir, inDir]) => {
      const sha = dir === "" ? rootSha : await this.subtreeSha(rootSha, dir);
      if (sha === null) return;
      const entries = (await this.tree(sha, false)).tree;
      for (const path of inDir) {
        const name = path.slice(dir === "" ? 0 : dir.length + 1);
        const entry = entries.find((e) => e.path === name);
        if (entry?.type === "blob") found.set(path, entry.sha);
      }
    });
    return found;
  }

  private async blob(sha: string): Promise<string> {
    const cached = this.blobs.get(sha);
    if (cached !== undefined) {
      // Most recently used goes last; the oldest are dropped first.
      this.blobs.delete(sha);
      this.blobs.set(sha, cached);
      return cached;
    }
    const what = `GET git/blobs/${sha}`;
    const blob = validated(
      blobSchema,
      await this.call(what, () => this.rest.git.getBlob({ ...this.repo, file_sha: sha })),
      what,
    );
    const content = decode(blob.content, blob.encoding, what);
    if (content.length <= BLOB_CACHE_CHARS / 16) {
      this.blobs.set(sha, content);
      this.blobChars += content.length;
      for (const [oldest, text] of this.blobs) {
        if (this.blobChars <= BLOB_CACHE_CHARS) break;
        this.blobs.delete(oldest);
        this.blobChars -= text.length;
      }
    }
    return content;
  }

  // ---- plumbing ----

  private get fullName(): string {
    return `${this.owner}/${this.repository}`;
  }

  private toPullRequest(
    pull: z.output<typeof pullRequestListSchema>[number],
    merged: boolean,
  ): PullRequest {
    return {
      number: pull.number,
      state: merged ? "merged" : pull.state,
      title: pull.title,
      body: pull.body ?? "",
      head: pull.head.ref,
      base: pull.base.ref,
      headSha: pull.head.sha,
      labels: pull.labels.map((label) => label.name),
      authorLogin: pull.user?.login ?? null,
      // For an open pull request GitHub's merge_commit_sha is a test merge, not a merge.
      mergeCommitSha: merged ? pull.merge_commit_sha : null,
      url: pull.html_url,
      createdAt: isoDate(pull.created_at),
      mergedAt: pull.merged_at ? isoDate(pull.merged_at) : null,
      closedAt: pull.closed_at ? isoDate(pull.closed_at) : null,
    };
  }

  /** Sends a request; an HTTP failure comes back as data for the caller to judge. */
  private async attempt(send: () => Promise<Answer>): Promise<Attempt> {
    try {
      const response = await send();
      return { ok: true, data: response.data };
    } catch (error) {
      const failure = httpFailure(error);
      if (failure === null) throw error;
      return { ok: false, failure };
    }
  }

  /** Sends a request whose every failure is an error. */
  private async call(what: string, send: () => Promise<Answer>): Promise<unknown> {
    const attempt = await this.attempt(send);
    if (!attempt.ok) throw this.failed(what, attempt.failure);
    return attempt.data;
  }

  private failed(what: string, failure: HttpFailure): Error {
    const details = { request: what, status: failure.status, repository: this.fullName };
    const message = githubMessage(failure);
    const { status } = failure;
    if (status === 401) {
      return githubError(
        "unavailable",
        `GitHub refused Gantry's credentials (${what}): ${message}`,
        { details },
      );
    }
    if (status === 429 || (status === 403 && /rate limit/i.test(message))) {
      return githubError(
        "rate_limited",
        `GitHub's rate limit was reached (${what}); try again later`,
        { details },
      );
    }
    if (status === 403) {
      return githubError(
        "unavailable",
        `GitHub refused ${what}: ${message} (check the token's or App's permissions on ${this.fullName})`,
        { details },
      );
    }
    if (status === 404)
      return githubError("not_found", `GitHub found nothing for ${what}: ${message}`, { details });
    if (status === 409)
      return githubError("conflict", `GitHub refused ${what}: ${message}`, { details });
    if (status === 422)
      return githubError("unprocessable", `GitHub refused ${what}: ${message}`, { details });
    if (status === 500 && /timeout|aborted/i.test(failure.message)) {
      return githubError("unavailable", `GitHub did not answer ${what} in time`, { details });
    }
    return githubError("unavailable", `GitHub failed ${what} (HTTP ${status}): ${message}`, {
      details,
    });
  }
}

function webUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/api\/v3\/?$/, "")}`;
}

function headMoved(branch: string, expected: string, actual: string) {
  return githubError(
    "conflict",
    `branch "${branch}" moved: its head is ${actual.slice(0, 12)}, not ${expected.slice(0, 12)}`,
    { details: { branch, expected, actual } },
  );
}

function onBehalfOf(body: string, person: GitPerson): string {
  return `${body}\n\n_by ${person.name} in Gantry_`;
}

function decode(content: string, encoding: string, what: string): string {
  if (encoding === "base64") return Buffer.from(content, "base64").toString("utf8");
  if (encoding === "utf-8" || encoding === "utf8") return content;
  throw githubError(
    "unavailable",
    `GitHub answered ${what} in an unknown encoding "${encoding.slice(0, 20)}"`,
  );
}

function isoDate(value: string | undefined): string {
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : new Date(0).toISOString();
}

function toReview(review: z.output<typeof reviewSchema>): PullRequestReview | null {
  const states: Record<string, PullRequestReview["state"]> = {
    APPROVED: "approved",
    CHANGES_REQUESTED: "changes_requested",
    COMMENTED: "commented",
    DISMISSED: "dismissed",
  };
  const state = states[review.state];
  if (!state) return null; // PENDING: not submitted yet
  return {
    id: String(review.id),
    reviewer: review.user?.login ?? "ghost",
    state,
    body: review.body,
    commitSha: review.commit_id,
    submittedAt: isoDate(review.submitted_at),
  };
}

function statusState(state: string): "success" | "pending" | "failure" {
  if (state === "success") return "success";
  if (state === "pending") return "pending";
  return "failure"; // failure, error
}

function checkRunState(
  status: string,
  conclusion: string | null,
): "success" | "pending" | "failure" {
  if (status !== "completed") return "pending";
  if (conclusion === "success" || conclusion === "neutral" || conclusion === "skipped")
    return "success";
  return "failure";
}

function assertSha(sha: string): void {
  if (!/^[0-9a-f]{40}$/.test(sha))
    throw githubError("bad_request", `"${sha.slice(0, 80)}" is not a commit SHA`);
}

/** Maps with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      if (item === undefined) continue;
      results[index] = await fn(item);
    }
  });
  await Promise.all(workers);
  return results;
}
