import { pipeline, Readable } from "node:stream";
import { ReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import type { z } from "zod";
import { assertRef, commitLimit, normalizePath } from "@/lib/git/arguments";
import { githubError, validated } from "@/lib/git/github/client";
import { GitHubRepositoryApi, isoDate, refPath } from "@/lib/git/github/repository-api";
import { commitListSchema, commitSchema, comparisonSchema } from "@/lib/git/github/schemas";
import type { CommitSummary, TreeEntry } from "@/lib/git/provider";

/**
 * Reading the repository: refs to commits, history and ancestry through
 * the REST API; trees and files from a snapshot of the whole commit (one
 * tarball, read into a local repository under the data directory and read
 * there by the local provider's reader), so a cold import costs a few calls
 * whatever the fleet's size, and a commit already read costs none.
 */
export abstract class GitHubRepositoryReader extends GitHubRepositoryApi {
  resolveRef(ref: string): Promise<string> {
    return this.client.run("resolveRef", async () => (await this.commit(ref)).sha);
  }

  private async commit(ref: string): Promise<z.output<typeof commitSchema>> {
    assertRef(ref, "github");
    const what = `GET commits/${ref}`;
    // per_page bounds the list of changed files the answer carries.
    const attempt = await this.attempt(() =>
      this.client.octokit.request(`GET /repos/{owner}/{repo}/commits/${refPath(ref)}`, {
        ...this.repo,
        per_page: 1,
      }),
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
      const dir = normalizePath(params.path ?? "", { allowRoot: true });
      const local = await this.snapshot(params.ref);
      return this.snapshots.reader.listTree({ ref: local, path: dir, recursive: params.recursive });
    });
  }

  readFile(params: { ref: string; path: string }): Promise<string | null> {
    return this.client.run("readFile", async () => {
      const path = normalizePath(params.path);
      const local = await this.snapshot(params.ref);
      return this.snapshots.reader.readFile({ ref: local, path });
    });
  }

  readFiles(params: { ref: string; paths: readonly string[] }): Promise<Map<string, string>> {
    return this.client.run("readFiles", async () => {
      const paths = [...new Set(params.paths.map((p) => normalizePath(p)))];
      if (paths.length === 0) return new Map<string, string>();
      const local = await this.snapshot(params.ref);
      return this.snapshots.reader.readFiles({ ref: local, paths });
    });
  }

  listFilesUnder(params: { ref: string; paths: readonly string[] }): Promise<TreeEntry[]> {
    return this.client.run("listFilesUnder", async () => {
      const local = await this.snapshot(params.ref);
      return this.snapshots.reader.listFilesUnder({ ref: local, paths: params.paths });
    });
  }

  /** A snapshot's blobs have GitHub's ids (the same bytes hash the same): read here, no call. */
  readBlobs(ids: readonly string[]): Promise<Map<string, string>> {
    return this.client.run("readBlobs", () => this.snapshots.reader.readBlobs(ids));
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

  // ---- snapshots ----

  /**
   * The local snapshot of the commit `ref` names: a full commit SHA costs
   * no call when its snapshot is here; a branch or tag is resolved first.
   */
  protected async snapshot(ref: string): Promise<string> {
    assertRef(ref, "github");
    const sha = /^[0-9a-f]{40}$/.test(ref) ? ref : (await this.commit(ref)).sha;
    return this.snapshots.snapshot(sha, () => this.downloadTarball(sha));
  }

  /**
   * The commit's tarball, gunzipped as it arrives. GitHub answers with a
   * redirect to codeload, which fetch follows (dropping the Authorization
   * header for the other host: the redirect's URL carries a short-lived token).
   */
  private async downloadTarball(sha: string): Promise<AsyncIterable<Uint8Array>> {
    const what = `GET tarball/${sha}`;
    const attempt = await this.attempt(() =>
      this.client.octokit.request("GET /repos/{owner}/{repo}/tarball/{ref}", {
        ...this.repo,
        ref: sha,
        request: { parseSuccessResponseBody: false },
      }),
    );
    if (!attempt.ok) {
      if (attempt.failure.status === 404) {
        throw githubError("not_found", `commit ${sha} does not exist in ${this.fullName}`, {
          details: { ref: sha, repository: this.fullName },
        });
      }
      throw this.failed(what, attempt.failure);
    }
    if (!(attempt.data instanceof ReadableStream)) {
      throw githubError("unavailable", `GitHub answered ${what} without a body`);
    }
    // pipeline, not pipe: a download that breaks off must fail the reader, not leave it waiting.
    const gunzip = createGunzip();
    pipeline(Readable.fromWeb(attempt.data), gunzip, () => undefined);
    return gunzip;
  }
}
