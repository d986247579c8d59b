import { pipeline, Readable } from "node:stream";
import { ReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import { GraphqlResponseError } from "@octokit/graphql";
import type { z } from "zod";
import { assertRef, commitLimit, normalizePath } from "@/lib/git/arguments";
import {
  githubError,
  httpFailure,
  summariseGraphqlErrors,
  validated,
} from "@/lib/git/github/client";
import {
  blobId,
  type GraphqlQuery,
  listFilesWithGraphql,
  readBlobsWithGraphql,
} from "@/lib/git/github/graphql-reads";
import { GitHubRepositoryApi, isoDate, refPath } from "@/lib/git/github/repository-api";
import {
  blobSchema,
  changesSchema,
  commitListSchema,
  commitSchema,
  comparisonSchema,
  graphqlErrorsSchema,
} from "@/lib/git/github/schemas";
import type { CommitSummary, TreeEntry } from "@/lib/git/provider";
import { log } from "@/lib/log";

const SHA = /^[0-9a-f]{40}$/;
/** GitHub's compare lists at most this many files: a list this long may be cut. */
const COMPARE_FILE_LIMIT = 300;
const MAX_KNOWN_SIZES = 100_000;
/** Blobs read one REST call each when GraphQL cannot serve them. */
const MAX_REST_BLOBS = 50;

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

  /**
   * Without the commit's snapshot here, one GraphQL query per 50 paths
   * (trees nested a few levels; deeper ones in a next query) instead of its
   * tarball; with it, no call. A host without GraphQL, or a listing too
   * deep or too large, reads the snapshot.
   */
  listFilesUnder(params: { ref: string; paths: readonly string[] }): Promise<TreeEntry[]> {
    return this.client.run("listFilesUnder", async () => {
      const paths = [...new Set(params.paths.map((p) => normalizePath(p)))];
      if (paths.length === 0) return [];
      assertRef(params.ref, "github");
      const sha = SHA.test(params.ref) ? params.ref : (await this.commit(params.ref)).sha;
      const cached = await this.snapshots.cached(sha);
      if (cached) return this.snapshots.reader.listFilesUnder({ ref: cached, paths });
      if (this.graphqlReads) {
        const listed = await this.withGraphql("listing", (send) =>
          listFilesWithGraphql({
            send,
            owner: this.owner,
            name: this.repository,
            commit: sha,
            paths,
            repository: this.fullName,
          }),
        );
        if (listed) {
          for (const [id, size] of listed.sizes) this.blobSizes.set(id, size);
          // Sizes only steer how many blobs go in one query: a bounded memory is enough.
          while (this.blobSizes.size > MAX_KNOWN_SIZES) {
            const first = this.blobSizes.keys().next();
            if (first.done) break;
            this.blobSizes.delete(first.value);
          }
          return listed.entries;
        }
      }
      const local = await this.snapshot(sha);
      return this.snapshots.reader.listFilesUnder({ ref: local, paths });
    });
  }

  /**
   * Blobs from the snapshots here first (no call), then the rest in one
   * GraphQL query per 100: a text is used only when it is the blob's exact
   * bytes, any other (binary, cut, transcoded from another encoding) is
   * read whole through REST and decoded as a local read would, so bytes that
   * are not UTF-8 reach the importer as they would from the tarball.
   */
  readBlobs(ids: readonly string[]): Promise<Map<string, string>> {
    return this.client.run("readBlobs", async () => {
      const blobs = await this.snapshots.readBlobs(ids);
      const missing = [...new Set(ids)].filter((id) => !blobs.has(id));
      if (missing.length === 0 || !this.graphqlReads) return blobs;
      const read = await this.withGraphql("blobs", (send) =>
        readBlobsWithGraphql({
          send,
          owner: this.owner,
          name: this.repository,
          ids: missing,
          sizes: this.blobSizes,
          repository: this.fullName,
        }),
      );
      // GraphQL refused: a few blobs through REST, one call each; more is an outage to retry.
      if (read === null && missing.length > MAX_REST_BLOBS) {
        throw githubError(
          "unavailable",
          `GitHub could not read ${missing.length} files of ${this.fullName} through GraphQL; try the import again`,
        );
      }
      const texts = read?.texts ?? new Map<string, string>();
      const whole = read?.whole ?? missing.map((id) => ({ id, size: 0 }));
      for (const [id, text] of texts) blobs.set(id, text);
      for (const { id, size } of whole) {
        const bytes = await this.blobBytes(id, size);
        if (bytes !== null) blobs.set(id, bytes.toString("utf8"));
      }
      return blobs;
    });
  }

  /**
   * The paths changed between two commits: `git diff-tree` between their
   * snapshots when both are here (no call), else GitHub's compare API. Null
   * (read `to` whole) when GitHub cannot say: `from` is unknown (a history
   * rewritten and collected), `to` does not descend from `from` (the
   * three-dot comparison would be from their merge base), the list is left
   * out, or it may be cut at GitHub's 300 files.
   */
  changedPaths(params: { from: string; to: string }): Promise<string[] | null> {
    return this.client.run("changedPaths", async () => {
      assertRef(params.from, "github");
      assertRef(params.to, "github");
      if (SHA.test(params.from) && SHA.test(params.to)) {
        const from = await this.snapshots.cached(params.from);
        const to = from === null ? null : await this.snapshots.cached(params.to);
        if (from !== null && to !== null) return this.snapshots.reader.changedPaths({ from, to });
      }
      const basehead = `${params.from}...${params.to}`;
      const what = `GET compare/${basehead}`;
      // per_page=1: the files are on the first page; the commits between are not needed.
      const attempt = await this.attempt(() =>
        this.rest.repos.compareCommitsWithBasehead({ ...this.repo, basehead, per_page: 1 }),
      );
      if (!attempt.ok) {
        if (attempt.failure.status === 404 || attempt.failure.status === 422) return null;
        throw this.failed(what, attempt.failure);
      }
      const comparison = validated(changesSchema, attempt.data, what);
      if (comparison.status === "identical") return [];
      if (comparison.status !== "ahead" || comparison.files === undefined) return null;
      if (comparison.files.length >= COMPARE_FILE_LIMIT) return null;
      const paths = new Set<string>();
      for (const file of comparison.files) {
        paths.add(file.filename);
        if (file.previous_filename !== undefined) paths.add(file.previous_filename);
      }
      return [...paths];
    });
  }

  /** Whether to read through GraphQL (false once the host said it has none). */
  private graphqlReads = true;
  /** Blob sizes the last listings reported, by id. */
  private readonly blobSizes = new Map<string, number>();

  /**
   * Runs a GraphQL read; null when GraphQL cannot serve it (no GraphQL on
   * this host, or GitHub's errors for the query), for the caller to read
   * otherwise. Rate limits, refused credentials and outages are errors.
   */
  private async withGraphql<T>(
    what: string,
    read: (send: GraphqlQuery) => Promise<T | null>,
  ): Promise<T | null> {
    try {
      return await read((query, variables) => this.client.octokit.graphql(query, variables));
    } catch (error) {
      if (error instanceof GraphqlResponseError) {
        const list = graphqlErrorsSchema.safeParse(error.errors).data ?? [];
        if (list.some((e) => e.extensions?.code === "undefinedField")) this.graphqlReads = false;
        log.warn("GitHub refused a GraphQL read; reading otherwise", {
          repository: this.fullName,
          read: what,
          errors: summariseGraphqlErrors(list),
        });
        return null;
      }
      const failure = httpFailure(error);
      if (failure === null) throw error;
      if (failure.status === 404) {
        this.graphqlReads = false;
        log.warn("GitHub has no GraphQL API here; reading commits from their tarballs", {
          repository: this.fullName,
        });
        return null;
      }
      throw this.failed(`POST graphql (${what})`, failure);
    }
  }

  /**
   * One blob's exact bytes through REST (GET git/blobs), bounded like a
   * tarball's file; null when GitHub has no such blob.
   */
  private async blobBytes(id: string, size: number): Promise<Buffer | null> {
    const limit = this.snapshots.maxFileBytes;
    if (size > limit) {
      throw githubError(
        "unprocessable",
        `blob ${id.slice(0, 12)} is ${size} bytes, more than the ${limit} bytes Gantry reads from one file`,
        { details: { blob: id, size } },
      );
    }
    const what = `GET git/blobs/${id}`;
    const attempt = await this.attempt(() => this.rest.git.getBlob({ ...this.repo, file_sha: id }));
    if (!attempt.ok) {
      if (attempt.failure.status === 404 || attempt.failure.status === 422) return null;
      throw this.failed(what, attempt.failure);
    }
    const blob = validated(blobSchema, attempt.data, what);
    if (blob.size > limit) {
      throw githubError(
        "unprocessable",
        `blob ${id.slice(0, 12)} is ${blob.size} bytes, more than the ${limit} bytes Gantry reads from one file`,
        { details: { blob: id, size: blob.size } },
      );
    }
    const bytes = Buffer.from(blob.content, blob.encoding === "base64" ? "base64" : "utf8");
    if (blob.sha !== id || blobId(bytes, id.length === 64) !== id) {
      throw githubError("unavailable", `GitHub answered ${what} with other bytes than the blob's`);
    }
    return bytes;
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
    const sha = SHA.test(ref) ? ref : (await this.commit(ref)).sha;
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
