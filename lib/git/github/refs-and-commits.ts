import { assertRef, normalizePath } from "@/lib/git/arguments";
import { githubError, githubMessage, validated } from "@/lib/git/github/client";
import { GitHubRepositoryReader } from "@/lib/git/github/read-repository";
import { assertSha, CONCURRENCY, mapLimit } from "@/lib/git/github/repository-api";
import { createdObjectSchema, gitCommitSchema, refSchema } from "@/lib/git/github/schemas";
import type { GitPerson } from "@/lib/git/provider";

/**
 * Refs and commits: a branch's head, a new branch, and a commit of many
 * files made with the Git Data API (blobs → tree → commit → ref), so a
 * change of many files is one commit and a head that moved is a conflict.
 */
export abstract class GitHubRefsAndCommits extends GitHubRepositoryReader {
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
}

function headMoved(branch: string, expected: string, actual: string) {
  return githubError(
    "conflict",
    `branch "${branch}" moved: its head is ${actual.slice(0, 12)}, not ${expected.slice(0, 12)}`,
    { details: { branch, expected, actual } },
  );
}
