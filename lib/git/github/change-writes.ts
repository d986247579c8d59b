import { GraphqlResponseError } from "@octokit/graphql";
import { z } from "zod";
import { assertRef, normalizePath } from "@/lib/git/arguments";
import {
  githubError,
  httpFailure,
  summariseGraphqlErrors,
  validated,
} from "@/lib/git/github/client";
import { commitOnBranchInput, headMoved } from "@/lib/git/github/refs-and-commits";
import { assertSha, isoDate } from "@/lib/git/github/repository-api";
import { GitHubReviewsAndChecks } from "@/lib/git/github/reviews-and-checks";
import { graphqlErrorsSchema } from "@/lib/git/github/schemas";
import type {
  ChangeStep,
  ChangeWrite,
  ChangeWritten,
  FoundChange,
  PullRequest,
} from "@/lib/git/provider";
import { writeChangeStepByStep } from "@/lib/git/write-change";
import { log } from "@/lib/log";

/**
 * A promotion's change in as few calls as GitHub allows: one GraphQL query
 * says whether the branch and its pull request exist; one GraphQL request
 * carries the missing mutations (createRef, createCommitOnBranch with
 * `expectedHeadOid`, createPullRequest), which GitHub runs one after
 * another in the order written, as the GraphQL specification requires of a
 * mutation's top-level fields; labels follow through REST, which creates a
 * label the repository lacks. A mutation that fails does not undo the ones
 * before it, and the ones after it still run (each is its own field): every
 * part is read from the answer, and the next run's findChange sees what was
 * made. Where GraphQL cannot serve (a file that keeps an executable or link
 * mode, a host without GraphQL) the parts go step by step through REST.
 */
export abstract class GitHubChangeWrites extends GitHubReviewsAndChecks {
  /** The repository's node id (createRef and createPullRequest name it); it never changes. */
  private repositoryId: string | null = null;

  findChange(params: { branch: string; base: string }): Promise<FoundChange> {
    return this.client.run("findChange", async () => {
      assertRef(params.branch, "github");
      assertRef(params.base, "github");
      if (this.graphqlWrites) {
        const found = await this.findChangeWithGraphql(params);
        if (found !== null) return found;
      }
      return {
        head: await this.branchHead(params.branch),
        pullRequest: await this.findPullRequest({ head: params.branch, base: params.base }),
      };
    });
  }

  writeChange(change: ChangeWrite): Promise<ChangeWritten> {
    return this.client.run("writeChange", async () => {
      assertRef(change.branch, "github");
      if (change.createFrom !== undefined) assertSha(change.createFrom);
      const commit = change.commit && {
        ...change.commit,
        files: change.commit.files.map((file) => ({
          path: normalizePath(file.path),
          content: file.content,
        })),
      };
      if (commit) {
        assertSha(commit.parent);
        if (commit.files.length === 0)
          throw githubError("bad_request", "a commit needs at least one file");
      }
      const plain =
        commit === undefined ||
        (
          await this.fileModes(
            commit.parent,
            commit.files.map((file) => file.path),
          )
        ).plain;
      if (plain && this.graphqlWrites) {
        const written = await this.writeWithGraphql({ ...change, commit });
        if (written !== null) return written;
      }
      return writeChangeStepByStep(this, { ...change, commit });
    });
  }

  /** Null when the host has no GraphQL (Enterprise Server without it answers 404). */
  private async findChangeWithGraphql(params: {
    branch: string;
    base: string;
  }): Promise<FoundChange | null> {
    let data: unknown;
    try {
      data = await this.client.octokit.graphql(FIND_CHANGE, {
        owner: this.owner,
        name: this.repository,
        ref: `refs/heads/${params.branch}`,
        head: params.branch,
        base: params.base,
      });
    } catch (error) {
      if (error instanceof GraphqlResponseError) {
        const list = graphqlErrors(error.errors);
        if (list.some((e) => e.extensions?.code === "undefinedField")) return this.noGraphql();
        throw githubError(
          list.some((e) => e.type === "NOT_FOUND") ? "not_found" : "unavailable",
          `GitHub could not read branch "${params.branch}" of ${this.fullName}: ${summariseGraphqlErrors(list)}`,
        );
      }
      const failure = httpFailure(error);
      if (failure === null) throw error;
      if (failure.status === 404) return this.noGraphql();
      throw this.failed("POST graphql repository.ref", failure);
    }
    const { repository } = validated(findChangeSchema, data, "repository.ref");
    if (repository === null) {
      throw githubError("not_found", `repository ${this.fullName} does not exist`);
    }
    this.repositoryId = repository.id;
    // Pull requests from a fork's branch of the same name are not Gantry's.
    const newest = repository.pullRequests.nodes
      .flatMap((node) => (node && !node.isCrossRepository ? [node] : []))
      .sort((a, b) => b.number - a.number)[0];
    return {
      head: repository.ref?.target?.oid ?? null,
      pullRequest: newest ? this.graphqlPullRequest(newest) : null,
    };
  }

  private noGraphql(): null {
    this.graphqlWrites = false;
    log.warn("GitHub has no GraphQL API here; using REST for branches, commits and pull requests", {
      repository: this.fullName,
    });
    return null;
  }

  /** One request with every mutation the change needs; null when the host has no GraphQL. */
  private async writeWithGraphql(change: ChangeWrite): Promise<ChangeWritten | null> {
    const parts: ChangeStep[] = [];
    const variables: Record<string, unknown> = {};
    const needsId = change.createFrom !== undefined || change.pullRequest !== undefined;
    const repositoryId = needsId ? await this.repositoryNodeId() : null;
    if (repositoryId === undefined) return null;
    if (change.createFrom !== undefined) {
      parts.push("branch");
      variables.ref = {
        repositoryId,
        name: `refs/heads/${change.branch}`,
        oid: change.createFrom,
      };
    }
    if (change.commit) {
      parts.push("commit");
      variables.commit = commitOnBranchInput(this.fullName, {
        branch: change.branch,
        ...change.commit,
      });
    }
    if (change.pullRequest) {
      parts.push("pull_request");
      assertRef(change.pullRequest.base, "github");
      variables.pull = {
        repositoryId,
        baseRefName: change.pullRequest.base,
        headRefName: change.branch,
        title: change.pullRequest.title,
        body: change.pullRequest.body,
      };
    }
    if (parts.length === 0) return { commit: null, pullRequest: null };

    let data: unknown;
    let errors: z.output<typeof graphqlErrorsWithPath> = [];
    try {
      data = await this.client.octokit.graphql(changeDocument(parts), {
        ...variables,
        // Not repeated blindly: a retry after a lost answer would meet its own branch,
        // commit and pull request. The job's next run reads what was made.
        request: { retries: 0 },
      });
    } catch (error) {
      if (!(error instanceof GraphqlResponseError)) {
        const failure = httpFailure(error);
        if (failure === null) throw error;
        if (failure.status === 404) return this.noGraphql();
        throw this.failed("POST graphql createRef/createCommitOnBranch/createPullRequest", failure);
      }
      errors = graphqlErrorsWithPath.safeParse(error.errors).data ?? [];
      // A document the host refuses as a whole (a mutation its schema lacks) ran nothing.
      if (errors.some((e) => e.extensions?.code === "undefinedField")) return this.noGraphql();
      data = error.data ?? {};
    }
    const answer = changeAnswerSchema.safeParse(data ?? {});
    if (!answer.success) {
      throw githubError("unavailable", "GitHub's answer to the change's mutations is malformed");
    }
    const afterStep = change.afterStep ?? (() => undefined);
    const errorsOf = (field: string) => errors.filter((e) => e.path?.[0] === field);
    const written: ChangeWritten = { commit: null, pullRequest: null };

    if (parts.includes("branch")) {
      const failed = errorsOf("createRef");
      // An existing branch is left as it is: the commit's expectedHeadOid decides whether its head is acceptable.
      if (!answer.data.createRef && !failed.some((e) => /already exists/i.test(e.message))) {
        throw this.mutationFailed(`cannot create branch "${change.branch}"`, failed);
      }
      await afterStep("branch");
    }
    if (change.commit) {
      const failed = errorsOf("createCommitOnBranch");
      const oid = answer.data.createCommitOnBranch?.commit.oid;
      if (oid === undefined) {
        if (failed.some((e) => e.type === "STALE_DATA" || /expected branch/i.test(e.message))) {
          const now = await this.branchHead(change.branch);
          throw headMoved(change.branch, change.commit.parent, now ?? "(deleted)");
        }
        throw this.mutationFailed(`GitHub refused the commit on "${change.branch}"`, failed);
      }
      written.commit = oid;
      await afterStep("commit");
    }
    if (change.pullRequest) {
      const failed = errorsOf("createPullRequest");
      const created = answer.data.createPullRequest?.pullRequest;
      let pull: PullRequest | null = created ? this.graphqlPullRequest(created) : null;
      if (pull === null && failed.some((e) => /already exists/i.test(e.message))) {
        pull = await this.findPullRequest({ head: change.branch, base: change.pullRequest.base });
      }
      if (pull === null) {
        throw this.mutationFailed(
          `cannot open a pull request from "${change.branch}" to "${change.pullRequest.base}"`,
          failed,
        );
      }
      written.pullRequest = await this.withLabels(pull, change.pullRequest.labels);
      await afterStep("pull_request");
    }
    return written;
  }

  /** The repository's node id: from the last findChange, else one query. Undefined without GraphQL. */
  private async repositoryNodeId(): Promise<string | undefined> {
    if (this.repositoryId !== null) return this.repositoryId;
    let data: unknown;
    try {
      data = await this.client.octokit.graphql(REPOSITORY_ID, {
        owner: this.owner,
        name: this.repository,
      });
    } catch (error) {
      const failure = error instanceof GraphqlResponseError ? null : httpFailure(error);
      if (failure?.status === 404) return this.noGraphql() ?? undefined;
      if (failure !== null) throw this.failed("POST graphql repository.id", failure);
      throw githubError("unavailable", `GitHub could not read ${this.fullName}'s id`);
    }
    const { repository } = validated(repositoryIdSchema, data, "repository.id");
    if (repository === null) {
      throw githubError("not_found", `repository ${this.fullName} does not exist`);
    }
    this.repositoryId = repository.id;
    return repository.id;
  }

  /**
   * A mutation's own errors in words. Refusals (the input or the repository's state) are
   * permanent; anything else (GitHub's "something went wrong", no error at all) a retry may fix.
   */
  private mutationFailed(what: string, errors: readonly { type?: string; message: string }[]) {
    const words = summariseGraphqlErrors(errors);
    if (errors.some((e) => e.type === "NOT_FOUND"))
      return githubError("not_found", `${what}: ${words}`);
    if (errors.some((e) => e.type === "UNPROCESSABLE" || e.type === "FORBIDDEN")) {
      return githubError("unprocessable", `${what}: ${words}`);
    }
    return githubError("unavailable", `${what}: ${words}`);
  }

  private graphqlPullRequest(pull: z.output<typeof graphqlPullRequestSchema>): PullRequest {
    const merged = pull.state === "MERGED";
    return {
      number: pull.number,
      state: merged ? "merged" : pull.state === "OPEN" ? "open" : "closed",
      title: pull.title,
      body: pull.body,
      head: pull.headRefName,
      base: pull.baseRefName,
      headSha: pull.headRefOid,
      labels: (pull.labels?.nodes ?? []).flatMap((label) => (label ? [label.name] : [])),
      // REST names an App's bot "<slug>[bot]"; GraphQL names it "<slug>".
      authorLogin: pull.author
        ? pull.author.__typename === "Bot"
          ? `${pull.author.login}[bot]`
          : pull.author.login
        : null,
      mergeCommitSha: merged ? (pull.mergeCommit?.oid ?? null) : null,
      url: pull.url,
      createdAt: isoDate(pull.createdAt),
      mergedAt: pull.mergedAt ? isoDate(pull.mergedAt) : null,
      closedAt: pull.closedAt ? isoDate(pull.closedAt) : null,
    };
  }
}

const PULL_REQUEST_FIELDS = `number state title body url createdAt mergedAt closedAt
  isCrossRepository headRefName baseRefName headRefOid
  mergeCommit { oid }
  author { __typename login }
  labels(first: 100) { nodes { name } }`;

const FIND_CHANGE = `query ($owner: String!, $name: String!, $ref: String!, $head: String!, $base: String!) {
  repository(owner: $owner, name: $name) {
    id
    ref(qualifiedName: $ref) { target { oid } }
    pullRequests(headRefName: $head, baseRefName: $base, first: 10, orderBy: { field: CREATED_AT, direction: DESC }) {
      nodes { ${PULL_REQUEST_FIELDS} }
    }
  }
}`;

const REPOSITORY_ID = `query ($owner: String!, $name: String!) {
  repository(owner: $owner, name: $name) { id }
}`;

/** The mutations for the parts asked for, in writeChange's order. */
function changeDocument(parts: readonly ChangeStep[]): string {
  const declarations: string[] = [];
  const fields: string[] = [];
  if (parts.includes("branch")) {
    declarations.push("$ref: CreateRefInput!");
    fields.push("createRef(input: $ref) { ref { name } }");
  }
  if (parts.includes("commit")) {
    declarations.push("$commit: CreateCommitOnBranchInput!");
    fields.push("createCommitOnBranch(input: $commit) { commit { oid } }");
  }
  if (parts.includes("pull_request")) {
    declarations.push("$pull: CreatePullRequestInput!");
    fields.push(`createPullRequest(input: $pull) { pullRequest { ${PULL_REQUEST_FIELDS} } }`);
  }
  return `mutation (${declarations.join(", ")}) {\n  ${fields.join("\n  ")}\n}`;
}

const sha = z.string().regex(/^[0-9a-f]{40}$/, "expected a commit SHA");

const graphqlPullRequestSchema = z.object({
  number: z.number().int().positive(),
  state: z.enum(["OPEN", "CLOSED", "MERGED"]),
  title: z.string(),
  body: z.string(),
  url: z.string(),
  createdAt: z.string(),
  mergedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  isCrossRepository: z.boolean(),
  headRefName: z.string(),
  baseRefName: z.string(),
  headRefOid: sha,
  mergeCommit: z.object({ oid: sha }).nullable(),
  author: z.object({ __typename: z.string(), login: z.string() }).nullable(),
  labels: z.object({ nodes: z.array(z.object({ name: z.string() }).nullable()) }).nullable(),
});

const findChangeSchema = z.object({
  repository: z
    .object({
      id: z.string().min(1),
      ref: z.object({ target: z.object({ oid: sha }).nullable() }).nullable(),
      pullRequests: z.object({ nodes: z.array(graphqlPullRequestSchema.nullable()) }),
    })
    .nullable(),
});

const repositoryIdSchema = z.object({
  repository: z.object({ id: z.string().min(1) }).nullable(),
});

const changeAnswerSchema = z.object({
  createRef: z.object({ ref: z.object({ name: z.string() }).nullable() }).nullish(),
  createCommitOnBranch: z.object({ commit: z.object({ oid: sha }) }).nullish(),
  createPullRequest: z.object({ pullRequest: graphqlPullRequestSchema }).nullish(),
});

const graphqlErrorsWithPath = z.array(
  z.object({
    type: z.string().optional(),
    message: z.string(),
    path: z.array(z.union([z.string(), z.number()])).optional(),
    extensions: z.object({ code: z.string().optional() }).optional(),
  }),
);

function graphqlErrors(errors: unknown) {
  return graphqlErrorsSchema.safeParse(errors).data ?? [];
}
