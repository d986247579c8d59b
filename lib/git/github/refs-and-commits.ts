import { GraphqlResponseError } from "@octokit/graphql";
import { z } from "zod";
import { assertRef, normalizePath } from "@/lib/git/arguments";
import {
  githubError,
  githubMessage,
  httpFailure,
  summariseGraphqlErrors,
  validated,
} from "@/lib/git/github/client";
import { GitHubRepositoryReader } from "@/lib/git/github/read-repository";
import { assertSha, refPath } from "@/lib/git/github/repository-api";
import {
  createdObjectSchema,
  gitCommitSchema,
  graphqlErrorsSchema,
  refSchema,
} from "@/lib/git/github/schemas";
import type { FileMode } from "@/lib/git/github/snapshots";
import type { GitPerson } from "@/lib/git/provider";
import { log } from "@/lib/log";

/**
 * Refs and commits: a branch's head, a new branch, and a commit of many
 * files in one call (GraphQL `createCommitOnBranch`), or with the Git Data
 * API (tree → commit → ref) where GraphQL cannot keep a file's mode or the
 * host has no such mutation. Either way a change of many files is one
 * commit and a head that moved is a conflict.
 */
export abstract class GitHubRefsAndCommits extends GitHubRepositoryReader {
  getBranch(name: string): Promise<string | null> {
    return this.client.run("getBranch", () => this.branchHead(name));
  }

  protected async branchHead(name: string): Promise<string | null> {
    assertRef(name, "github");
    const what = `GET git/ref/heads/${name}`;
    const attempt = await this.attempt(() =>
      this.client.octokit.request(
        `GET /repos/{owner}/{repo}/git/ref/heads/${refPath(name)}`,
        this.repo,
      ),
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
      assertRef(params.branch, "github");
      assertSha(params.parent);
      if (params.files.length === 0)
        throw githubError("bad_request", "a commit needs at least one file");
      const files = params.files.map((file) => ({
        path: normalizePath(file.path),
        content: file.content,
      }));
      const { modes, plain } = await this.fileModes(
        params.parent,
        files.map((file) => file.path),
      );
      const change = { ...params, files };
      if (plain && this.graphqlWrites) {
        const sha = await this.commitWithGraphql(change);
        if (sha !== null) return sha;
        this.graphqlWrites = false;
        log.warn("GitHub has no createCommitOnBranch; committing through the Git Data API", {
          repository: this.fullName,
        });
      }
      return this.commitWithGitData(change, modes);
    });
  }

  /**
   * The modes the files have at `parent` (the snapshot is there when the caller read them
   * first), and whether all are plain: GraphQL writes every file as 100644, so an executable
   * or a link goes through Git Data.
   */
  protected async fileModes(
    parent: string,
    paths: readonly string[],
  ): Promise<{ modes: ReadonlyMap<string, FileMode>; plain: boolean }> {
    const modes = await this.snapshots.modes(await this.snapshot(parent), paths);
    const plain = paths.every((path) => (modes.get(path) ?? "100644") === "100644");
    return { modes, plain };
  }

  /** Whether to try GraphQL's mutations (false once the host said it has none). */
  protected graphqlWrites = true;

  /**
   * One call: `createCommitOnBranch` with `expectedHeadOid`, so a head that
   * moved is refused by GitHub itself. GitHub makes Gantry's identity the
   * author (and signs the commit); the person is named in a Co-authored-by
   * trailer. Null when the host has no such mutation (older Enterprise Server).
   */
  private async commitWithGraphql(params: {
    branch: string;
    parent: string;
    message: string;
    author: GitPerson;
    files: readonly { path: string; content: string }[];
  }): Promise<string | null> {
    const input = commitOnBranchInput(this.fullName, params);
    let data: unknown;
    try {
      data = await this.client.octokit.graphql(CREATE_COMMIT, {
        input,
        // A retry after a lost answer would meet its own commit as a moved head.
        request: { retries: 0 },
      });
    } catch (error) {
      if (error instanceof GraphqlResponseError) {
        const errors = graphqlErrorsSchema.safeParse(error.errors);
        const list = errors.success ? errors.data : [];
        const words = summariseGraphqlErrors(list);
        if (list.some((e) => e.extensions?.code === "undefinedField")) return null;
        if (
          list.some((e) => e.type === "STALE_DATA" || /expected branch to point/i.test(e.message))
        ) {
          const now = await this.branchHead(params.branch);
          throw headMoved(params.branch, params.parent, now ?? "(deleted)");
        }
        if (list.some((e) => e.type === "NOT_FOUND")) {
          throw githubError(
            "not_found",
            `branch "${params.branch}" does not exist in ${this.fullName}: ${words}`,
            {
              details: { branch: params.branch },
            },
          );
        }
        throw githubError(
          "unprocessable",
          `GitHub refused the commit on "${params.branch}": ${words}`,
          {
            details: { branch: params.branch },
          },
        );
      }
      const failure = httpFailure(error);
      if (failure === null) throw error;
      if (failure.status === 404) return null;
      throw this.failed("POST graphql createCommitOnBranch", failure);
    }
    return validated(createCommitOnBranchSchema, data, "createCommitOnBranch").createCommitOnBranch
      .commit.oid;
  }

  /**
   * The Git Data API: the parent's tree, one tree with every file inline and
   * its mode kept, one commit by the person, and the ref moved without force
   * (GitHub refuses an update that is not a fast-forward: a head that moved
   * is a conflict, not an overwrite).
   */
  private async commitWithGitData(
    params: {
      branch: string;
      parent: string;
      message: string;
      author: GitPerson;
      files: readonly { path: string; content: string }[];
    },
    modes: ReadonlyMap<string, FileMode>,
  ): Promise<string> {
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
    const tree = validated(
      createdObjectSchema,
      await this.call("POST git/trees", () =>
        this.rest.git.createTree({
          ...this.repo,
          base_tree: parent.tree.sha,
          tree: params.files.map((file) => ({
            path: file.path,
            mode: modes.get(file.path) ?? "100644",
            type: "blob" as const,
            content: file.content,
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
    const what = `PATCH git/refs/heads/${params.branch}`;
    const update = await this.attempt(() =>
      this.client.octokit.request(
        `PATCH /repos/{owner}/{repo}/git/refs/heads/${refPath(params.branch)}`,
        {
          ...this.repo,
          sha: commit.sha,
          force: false,
        },
      ),
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
  }
}

const CREATE_COMMIT = `mutation ($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) {
    commit {
      oid
    }
  }
}`;

const createCommitOnBranchSchema = z.object({
  createCommitOnBranch: z.object({
    commit: z.object({ oid: z.string().regex(/^[0-9a-f]{40}$/, "expected a commit SHA") }),
  }),
});

/** createCommitOnBranch's input: the person as a co-author, every file's contents in Base64. */
export function commitOnBranchInput(
  repositoryNameWithOwner: string,
  params: {
    branch: string;
    parent: string;
    message: string;
    author: GitPerson;
    files: readonly { path: string; content: string }[];
  },
) {
  const message = withCoAuthor(params.message, params.author);
  const newline = message.indexOf("\n");
  const headline = newline < 0 ? message : message.slice(0, newline);
  const body = newline < 0 ? "" : message.slice(newline + 1).replace(/^\n+/, "");
  return {
    branch: { repositoryNameWithOwner, branchName: params.branch },
    expectedHeadOid: params.parent,
    message: body === "" ? { headline } : { headline, body },
    fileChanges: {
      additions: params.files.map((file) => ({
        path: file.path,
        contents: Buffer.from(file.content, "utf8").toString("base64"),
      })),
    },
  };
}

/** The person, named in the commit's trailers (appended to a trailer block when there is one). */
function withCoAuthor(message: string, person: GitPerson): string {
  const name = person.name.replace(/[<>\n\r]/g, "").trim();
  const email = person.email.replace(/[<>\n\r]/g, "").trim();
  const trailer = `Co-authored-by: ${name} <${email}>`;
  const trimmed = message.replace(/\s+$/, "");
  if (trimmed.includes(trailer)) return message;
  const lastParagraph = trimmed.split(/\n\s*\n/).at(-1) ?? "";
  const isTrailers =
    trimmed.includes("\n\n") &&
    lastParagraph.split("\n").every((line) => /^[A-Za-z0-9-]+: \S/.test(line));
  return `${trimmed}${isTrailers ? "\n" : "\n\n"}${trailer}\n`;
}

export function headMoved(branch: string, expected: string, actual: string) {
  return githubError(
    "conflict",
    `branch "${branch}" moved: its head is ${actual.slice(0, 12)}, not ${expected.slice(0, 12)}`,
    { details: { branch, expected, actual } },
  );
}
