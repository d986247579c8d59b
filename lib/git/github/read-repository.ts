import type { z } from "zod";
import { assertRef, commitLimit, normalizePath } from "@/lib/git/arguments";
import { githubError, validated } from "@/lib/git/github/client";
import {
  CONCURRENCY,
  decode,
  GitHubRepositoryApi,
  isoDate,
  mapLimit,
} from "@/lib/git/github/repository-api";
import {
  blobSchema,
  commitListSchema,
  commitSchema,
  comparisonSchema,
  contentFileSchema,
  treeSchema,
} from "@/lib/git/github/schemas";
import type { CommitSummary, TreeEntry } from "@/lib/git/provider";

const TREE_CACHE_SIZE = 4;
/** File contents kept by blob SHA (immutable), so a re-import fetches only what changed. */
const BLOB_CACHE_CHARS = 32 * 1024 * 1024;

/**
 * Reading the repository: refs to commits, trees, files (through the
 * contents API, or trees and blobs for many at once), history and
 * ancestry. Trees and blobs are cached by SHA: they never change.
 */
export abstract class GitHubRepositoryReader extends GitHubRepositoryApi {
  /** Trees by SHA: immutable, so caching them is always right. */
  private readonly trees = new Map<string, z.output<typeof treeSchema>>();
  private readonly blobs = new Map<string, string>();
  private blobChars = 0;

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
}
