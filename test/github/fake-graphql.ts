import { type DocumentNode, execute, Kind } from "graphql";
import { type GraphqlObjects, objectNode } from "./fake-graphql-objects";
import type { ObjectStore } from "./git-objects";
import { checkDocument, GitHubGraphqlError, githubSchema } from "./graphql";

/**
 * The fake GitHub's GraphQL endpoint: every document validated against
 * GitHub's published schema, then run by graphql-js over the fake's
 * repository. A mutation's top-level fields run one after another in the
 * order written (graphql-js executes a mutation serially, as the GraphQL
 * specification requires and GitHub does); a field that fails is null with
 * its error, and the fields after it still run.
 */

/** What the GraphQL resolvers read and change of the fake (the same state REST serves). */
export interface GraphqlRepository extends GraphqlObjects {
  readonly owner: string;
  readonly repo: string;
  /** The repository's node id, which createRef and createPullRequest must name. */
  readonly repositoryNodeId: string;
  readonly webRepoUrl: string;
  readonly store: ObjectStore;
  readonly refs: Map<string, string>;
  readonly pulls: readonly GraphqlPull[];
  readonly graphqlMutations: string[];
  graphqlMutationRequests: number;
  /** The next run of this mutation fails as GitHub's internal errors do (no type, nothing made). */
  failNextMutation: string | null;
  /** Opens a pull request as REST's POST /pulls would; a string is GitHub's refusal. */
  openPull(params: {
    head: string;
    base: string;
    title: string;
    body: string;
    login: string;
  }): GraphqlPull | string;
  headSha(pull: GraphqlPull): string;
}

export interface GraphqlPull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  user: string;
  state: "open" | "closed";
  merged: boolean;
  mergeCommitSha: string | null;
  labels: string[];
  createdAt: string;
  mergedAt: string | null;
  closedAt: string | null;
}

export type GraphqlAnswer =
  | { ok: true; body: unknown; problems: string[] }
  | { ok: false; status: number; body: unknown; problems: string[] };

/** Answers one POST /graphql body for `login`. */
export async function answerGraphql(
  fake: GraphqlRepository,
  raw: string,
  login: string,
): Promise<GraphqlAnswer> {
  let request: { query?: unknown; variables?: unknown };
  try {
    request = JSON.parse(raw) as { query?: unknown; variables?: unknown };
  } catch {
    return { ok: false, status: 400, body: { message: "Problems parsing JSON" }, problems: [] };
  }
  if (typeof request.query !== "string") {
    return {
      ok: true,
      body: { errors: [{ message: "A query attribute must be specified and must be a string." }] },
      problems: [],
    };
  }
  const checked = checkDocument(request.query);
  if (!("kind" in checked)) {
    return {
      ok: true,
      body: checked,
      problems: [`GitHub would refuse this GraphQL document: ${checked.errors[0]?.message ?? ""}`],
    };
  }
  const document: DocumentNode = checked;
  if (
    document.definitions.some(
      (definition) =>
        definition.kind === Kind.OPERATION_DEFINITION && definition.operation === "mutation",
    )
  ) {
    fake.graphqlMutationRequests += 1;
  }
  const variables =
    typeof request.variables === "object" && request.variables !== null
      ? (request.variables as Record<string, unknown>)
      : {};
  const mutation = (name: string, run: (input: Record<string, unknown>) => unknown) => {
    return (args: { input: Record<string, unknown> }) => {
      fake.graphqlMutations.push(name);
      if (fake.failNextMutation === name) {
        fake.failNextMutation = null;
        throw new GitHubGraphqlError(
          "",
          "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug.",
        );
      }
      return run(args.input);
    };
  };
  const result = await execute({
    schema: githubSchema(),
    document,
    variableValues: variables,
    rootValue: {
      repository: (args: { owner: string; name: string }) =>
        args.owner === fake.owner && args.name === fake.repo ? repositoryNode(fake) : null,
      createRef: mutation("createRef", (input) => createRef(fake, input)),
      createCommitOnBranch: mutation("createCommitOnBranch", (input) =>
        createCommitOnBranch(fake, input, login),
      ),
      createPullRequest: mutation("createPullRequest", (input) =>
        createPullRequest(fake, input, login),
      ),
    },
  });
  const problems: string[] = [];
  const errors = (result.errors ?? []).map((error) => {
    const original = error.originalError;
    if (!(original instanceof GitHubGraphqlError)) {
      problems.push(`the fake cannot answer this GraphQL document: ${error.message}`);
    }
    return {
      ...(original instanceof GitHubGraphqlError && original.type !== ""
        ? { type: original.type }
        : {}),
      path: error.path ? [...error.path] : undefined,
      locations: error.locations
        ? error.locations.map((l) => ({ line: l.line, column: l.column }))
        : undefined,
      message: error.message,
    };
  });
  return {
    ok: true,
    body: { data: result.data ?? null, ...(errors.length > 0 ? { errors } : {}) },
    problems,
  };
}

function repositoryNode(fake: GraphqlRepository) {
  return {
    id: fake.repositoryNodeId,
    object: (args: { expression?: string | null; oid?: string | null }) => objectNode(fake, args),
    ref: (args: { qualifiedName: string }) => {
      const oid = fake.refs.get(args.qualifiedName);
      if (oid === undefined) return null;
      return {
        name: args.qualifiedName.replace(/^refs\/heads\//, ""),
        target: { __typename: "Commit", oid },
      };
    },
    pullRequests: (args: {
      headRefName?: string;
      baseRefName?: string;
      first?: number;
      orderBy?: { field: string; direction: string };
    }) => {
      const pulls = fake.pulls
        .filter(
          (p) =>
            (args.headRefName === undefined || p.head === args.headRefName) &&
            (args.baseRefName === undefined || p.base === args.baseRefName),
        )
        .sort((a, b) =>
          args.orderBy?.direction === "DESC" ? b.number - a.number : a.number - b.number,
        )
        .slice(0, args.first ?? 100);
      return { nodes: pulls.map((pull) => pullNode(fake, pull)) };
    },
  };
}

function pullNode(fake: GraphqlRepository, pull: GraphqlPull) {
  const bot = pull.user.endsWith("[bot]");
  return {
    number: pull.number,
    state: pull.merged ? "MERGED" : pull.state === "open" ? "OPEN" : "CLOSED",
    title: pull.title,
    body: pull.body,
    url: `${fake.webRepoUrl}/pull/${pull.number}`,
    createdAt: pull.createdAt,
    mergedAt: pull.mergedAt,
    closedAt: pull.closedAt,
    isCrossRepository: false,
    headRefName: pull.head,
    baseRefName: pull.base,
    headRefOid: fake.headSha(pull),
    mergeCommit: pull.merged && pull.mergeCommitSha ? { oid: pull.mergeCommitSha } : null,
    // GraphQL names an App's bot without REST's "[bot]".
    author: {
      __typename: bot ? "Bot" : "User",
      login: bot ? pull.user.slice(0, -"[bot]".length) : pull.user,
    },
    labels: (args: { first?: number }) => ({
      nodes: pull.labels.slice(0, args.first ?? 100).map((name) => ({ name })),
    }),
  };
}

/** createRef as GitHub runs it: a fully qualified name, a commit that exists, no existing ref. */
function createRef(fake: GraphqlRepository, input: Record<string, unknown>) {
  if (input.repositoryId !== fake.repositoryNodeId) {
    throw new GitHubGraphqlError(
      "NOT_FOUND",
      `Could not resolve to a node with the global id of '${String(input.repositoryId)}'`,
    );
  }
  const name = String(input.name);
  const oid = String(input.oid);
  if (!/^refs\/heads\/./.test(name)) {
    throw new GitHubGraphqlError("UNPROCESSABLE", `Reference name must be fully qualified`);
  }
  if (fake.refs.has(name)) {
    throw new GitHubGraphqlError(
      "UNPROCESSABLE",
      `A ref named "${name}" already exists in the repository.`,
    );
  }
  if (!fake.store.commits.has(oid)) {
    throw new GitHubGraphqlError("UNPROCESSABLE", `Could not resolve to a commit '${oid}'`);
  }
  fake.refs.set(name, oid);
  return { ref: { name: name.replace(/^refs\/heads\//, "") } };
}

/**
 * createCommitOnBranch as GitHub runs it: the head must be `expectedHeadOid`
 * (else STALE_DATA), every addition becomes a 100644 file, the author is
 * the viewer and the committer GitHub.
 */
function createCommitOnBranch(
  fake: GraphqlRepository,
  input: Record<string, unknown>,
  login: string,
) {
  const branch = (input.branch ?? {}) as {
    repositoryNameWithOwner?: string;
    branchName?: string;
  };
  if (branch.repositoryNameWithOwner !== `${fake.owner}/${fake.repo}`) {
    throw new GitHubGraphqlError(
      "NOT_FOUND",
      `Could not resolve to a Repository with the name '${String(branch.repositoryNameWithOwner)}'.`,
    );
  }
  const ref = `refs/heads/${branch.branchName ?? ""}`;
  const head = fake.refs.get(ref);
  if (head === undefined) {
    throw new GitHubGraphqlError("NOT_FOUND", `A ref named "${ref}" does not exist.`);
  }
  const expected = String(input.expectedHeadOid);
  if (expected !== head) {
    throw new GitHubGraphqlError(
      "STALE_DATA",
      `Expected branch to point to "${expected}" but it did not. Pull and try again.`,
    );
  }
  const changes = (input.fileChanges ?? {}) as {
    additions?: { path: string; contents: string }[];
    deletions?: { path: string }[];
  };
  const headCommit = fake.store.commits.get(head);
  if (!headCommit) throw new Error(`no commit ${head}`);
  const files = fake.store.flatten(headCommit.tree);
  for (const deletion of changes.deletions ?? []) {
    if (!files.delete(deletion.path)) {
      throw new GitHubGraphqlError(
        "UNPROCESSABLE",
        `A path was requested for deletion which does not exist as of commit oid \`${head}\``,
      );
    }
  }
  for (const addition of changes.additions ?? []) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(addition.contents)) {
      throw new GitHubGraphqlError("UNPROCESSABLE", `contents of ${addition.path} is not Base64`);
    }
    files.set(addition.path, {
      sha: fake.store.putBlob(Buffer.from(addition.contents, "base64")),
      mode: "100644",
    });
  }
  const message = (input.message ?? {}) as { headline?: string; body?: string | null };
  const text = message.body ? `${message.headline}\n\n${message.body}` : String(message.headline);
  const date = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const sha = fake.store.putCommit({
    tree: fake.store.build(files),
    parents: [head],
    author: { name: login, email: `${login}@users.noreply.github.com`, date },
    committer: { name: "GitHub", email: "noreply@github.com", date },
    message: text,
  });
  fake.refs.set(ref, sha);
  return { commit: { oid: sha, url: `${fake.webRepoUrl}/commit/${sha}` } };
}

/** createPullRequest as GitHub runs it: the same checks as REST's POST /pulls. */
function createPullRequest(fake: GraphqlRepository, input: Record<string, unknown>, login: string) {
  if (input.repositoryId !== fake.repositoryNodeId) {
    throw new GitHubGraphqlError(
      "NOT_FOUND",
      `Could not resolve to a node with the global id of '${String(input.repositoryId)}'`,
    );
  }
  const opened = fake.openPull({
    head: String(input.headRefName).replace(`${fake.owner}:`, ""),
    base: String(input.baseRefName),
    title: String(input.title),
    body: typeof input.body === "string" ? input.body : "",
    login,
  });
  if (typeof opened === "string") throw new GitHubGraphqlError("UNPROCESSABLE", opened);
  return { pullRequest: pullNode(fake, opened) };
}
