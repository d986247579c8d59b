import {
  createHash,
  createPublicKey,
  createVerify,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { changedFiles } from "./fake-compare";
import { answerGraphql, type GraphqlRepository } from "./fake-graphql";
import { gitArchive } from "./git-archive";
import { type CommitObject, ObjectStore, type Person, type TreeItem } from "./git-objects";
import { OpenApiResponses, type OperationKey } from "./openapi";

/**
 * An HTTP server that answers like GitHub's REST API for exactly the
 * endpoints Gantry's GitHubProvider uses, over an in-memory repository with
 * Git's real object ids. Every answer is checked against GitHub's OpenAPI
 * description before it is sent; an invalid one is recorded in `problems`
 * and replaced by a 500, so a test cannot pass on a drifted fake.
 *
 * It can also inject rate-limit and server errors, counts and timestamps
 * every request, and keeps the Authorization header each one carried.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RecordedRequest {
  method: string;
  /** Path without the API prefix, with the query string. */
  path: string;
  /** The OpenAPI route that answered, when one did. */
  route: string | null;
  status: number;
  authorization: string | undefined;
  /** The `If-None-Match` the request carried (conditional reads). */
  ifNoneMatch: string | undefined;
  /** Milliseconds since the epoch when the request arrived (the fake's clock). */
  at: number;
}

export interface Fault {
  method?: string;
  /** Matched against the path without the API prefix. */
  path?: RegExp;
  /** Matched against the request's body (GraphQL only: tells a query from a mutation). */
  body?: RegExp;
  /**
   * "hang" never answers (the connection stays open until the fake closes); "lost" (GraphQL
   * only) runs the request, then breaks the connection before the answer: the client cannot
   * know what was made.
   */
  kind: "secondary" | "primary" | "server" | "hang" | "lost";
  /** 403 or 429 for rate limits (default 403), 5xx for server faults (default 502). */
  status?: number;
  /** Seconds, sent as `retry-after` (secondary) or as the distance to `x-ratelimit-reset` (primary). */
  retryAfter?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
  /** Served under this prefix, like GitHub Enterprise's /api/v3. */
  pathPrefix?: string;
  /** Personal tokens: token → login. */
  tokens?: Record<string, string>;
  app?: {
    id: number;
    /** PEM public key matching the App's private key. */
    publicKey: string;
    installationId: number;
    /** Lifetime of installation tokens; GitHub's is one hour. */
    tokenLifetimeSeconds?: number;
  };
  /** Recursive tree answers with more entries than this are truncated, as GitHub's are at ~100,000. */
  truncateTreesOver?: number;
}

interface PullRequestRecord {
  number: number;
  id: number;
  title: string;
  body: string;
  head: string;
  base: string;
  user: string;
  state: "open" | "closed";
  merged: boolean;
  mergeCommitSha: string | null;
  /** Head SHA frozen when the pull request closes. */
  closedHeadSha: string | null;
  baseShaAtOpen: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergedBy: string | null;
}

interface ReviewRecord {
  id: number;
  pull: number;
  user: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED";
  body: string;
  commitId: string;
  submittedAt: string;
}

interface Answer {
  status: number;
  body?: Json;
  headers?: Record<string, string>;
}

interface Context {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  login: string;
  /** The request's `If-None-Match`, for conditional reads. */
  ifNoneMatch: string | undefined;
}

interface Route {
  method: Method;
  /** The OpenAPI path template. */
  template: string;
  /** The last parameter may contain slashes (refs, file paths). */
  greedy?: boolean;
  /** Authenticated by the App's JWT instead of a token. */
  appJwt?: boolean;
  handle(context: Context): Answer;
}

const DOCS = "https://docs.github.com/rest";

export class FakeGitHub implements GraphqlRepository {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
  readonly store = new ObjectStore();
  readonly refs = new Map<string, string>();
  readonly requests: RecordedRequest[] = [];
  /** Answers that did not match GitHub's description, or requests the fake does not serve. */
  readonly problems: string[] = [];
  readonly pulls: PullRequestRecord[] = [];
  readonly reviews: ReviewRecord[] = [];
  readonly comments: { pull: number; user: string; body: string }[] = [];
  readonly statuses = new Map<
    string,
    { context: string; state: string; targetUrl: string | null; description?: string | null }[]
  >();
  readonly checkRuns = new Map<
    string,
    { name: string; status: string; conclusion: string | null }[]
  >();
  /** Installation tokens handed out: token → expiry (ms since epoch). */
  readonly installationTokens = new Map<string, number>();
  truncateTreesOver: number;
  /** GraphQL's Blob.text is cut past this many bytes (isTruncated). */
  blobTextLimit = 512 * 1024;
  /** Called before a request is handled (after faults and auth): lets a test race the client. */
  beforeHandle: ((request: { method: string; path: string }) => void) | null = null;

  private readonly options: FakeGitHubOptions;
  private readonly prefix: string;
  private readonly openapi: OpenApiResponses;
  private readonly routes: Route[];
  private readonly faults: (Fault & { remaining: number })[] = [];
  private readonly appKey: KeyObject | null;
  private readonly tokens: Map<string, string>;
  private server: http.Server | null = null;
  private codeload: http.Server | null = null;
  private origin = "";
  /** Where tarball downloads are redirected: another origin, as codeload.github.com is. */
  private codeloadOrigin = "";
  /** Short-lived download tokens in redirect URLs: token → { commit, expiry }. */
  private readonly downloadTokens = new Map<string, { commit: string; expires: number }>();
  /** How many times each GraphQL mutation was answered. */
  readonly graphqlMutations: string[] = [];
  /** How many GraphQL requests carried mutations (several mutations may share one). */
  graphqlMutationRequests = 0;
  /** The next run of this GraphQL mutation fails as GitHub's internal errors do. */
  failNextMutation: string | null = null;
  /** Answers GraphQL as an Enterprise Server without it would (404). */
  graphqlDisabled = false;
  /** How long codeload takes before it answers (a large repository's download). */
  codeloadDelayMs = 0;
  /** codeload breaks the connection halfway through the next tarball. */
  codeloadBreaks = false;
  private nextId = 1000;

  private constructor(options: FakeGitHubOptions) {
    this.options = options;
    this.owner = options.owner ?? "acme";
    this.repo = options.repo ?? "gitops";
    this.defaultBranch = options.defaultBranch ?? "main";
    this.prefix = options.pathPrefix ?? "/api/v3";
    this.truncateTreesOver = options.truncateTreesOver ?? 100_000;
    this.appKey = options.app ? createPublicKey(options.app.publicKey) : null;
    this.tokens = new Map(Object.entries(options.tokens ?? {}));
    this.routes = this.defineRoutes();
    this.openapi = new OpenApiResponses(
      this.routes.map((r) => `${r.method} ${r.template}` as OperationKey),
    );
  }

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(options);
    const server = http.createServer((request, response) => {
      fake.serve(request, response).catch((error: unknown) => {
        fake.problems.push(`fake crashed: ${error instanceof Error ? error.stack : String(error)}`);
        if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ message: "fake crashed" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake.server = server;
    fake.origin = `http://127.0.0.1:${port}`;
    const codeload = http.createServer((request, response) =>
      fake.serveCodeload(request, response),
    );
    await new Promise<void>((resolve) => codeload.listen(0, "127.0.0.1", resolve));
    fake.codeload = codeload;
    fake.codeloadOrigin = `http://127.0.0.1:${(codeload.address() as AddressInfo).port}`;
    return fake;
  }

  /** The base URL to give Octokit (with the Enterprise-style prefix). */
  get apiUrl(): string {
    return `${this.origin}${this.prefix}`;
  }

  /** Where browser links point (html_url). */
  get webUrl(): string {
    return this.origin;
  }

  async close(): Promise<void> {
    for (const server of [this.server, this.codeload]) {
      if (!server) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  // ---- test controls ----

  /** The schema check every answer goes through (exposed to prove it can fail). */
  checkAnswer(operation: OperationKey, status: number, body: unknown): string[] {
    return this.openapi.check(operation, status, body);
  }

  /** Accepts `token` as the personal token of `login` from now on. */
  addToken(token: string, login: string): void {
    this.tokens.set(token, login);
  }

  inject(fault: Fault): void {
    this.faults.push({ ...fault, remaining: fault.times ?? 1 });
  }

  /** Commits files on a branch (creating it from the default branch if needed), as a push would. */
  push(params: {
    branch?: string;
    /** Content (a regular file), null (removed), or content with a mode (an executable, a link). */
    files: Record<
      string,
      string | Buffer | null | { content: string; mode: "100644" | "100755" | "120000" }
    >;
    message?: string;
    author?: Person;
  }): string {
    const branch = params.branch ?? this.defaultBranch;
    const parent =
      this.refs.get(`refs/heads/${branch}`) ?? this.refs.get(`refs/heads/${this.defaultBranch}`);
    const files: Map<string, { sha: string; mode: TreeItem["mode"] }> = parent
      ? this.store.flatten(this.commit(parent).tree)
      : new Map();
    for (const [path, content] of Object.entries(params.files)) {
      if (content === null) files.delete(path);
      else if (typeof content === "string" || Buffer.isBuffer(content))
        files.set(path, { sha: this.store.putBlob(Buffer.from(content)), mode: "100644" });
      else
        files.set(path, {
          sha: this.store.putBlob(Buffer.from(content.content)),
          mode: content.mode,
        });
    }
    const person = params.author ?? {
      name: "Someone",
      email: "someone@example.com",
      date: new Date().toISOString(),
    };
    const sha = this.store.putCommit({
      tree: this.store.build(files),
      parents: parent ? [parent] : [],
      author: person,
      committer: person,
      message: params.message ?? "push",
    });
    this.refs.set(`refs/heads/${branch}`, sha);
    return sha;
  }

  addStatus(sha: string, status: { context: string; state: string; targetUrl?: string }): void {
    this.statuses.set(sha, [
      ...(this.statuses.get(sha) ?? []),
      { context: status.context, state: status.state, targetUrl: status.targetUrl ?? null },
    ]);
  }

  addCheckRun(
    sha: string,
    run: { name: string; status: string; conclusion?: string | null },
  ): void {
    this.checkRuns.set(sha, [
      ...(this.checkRuns.get(sha) ?? []),
      { name: run.name, status: run.status, conclusion: run.conclusion ?? null },
    ]);
  }

  commit(sha: string): CommitObject {
    const commit = this.store.commits.get(sha);
    if (!commit) throw new Error(`no commit ${sha}`);
    return commit;
  }

  /** Files of a commit, path → content. */
  files(sha: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [path, file] of this.store.flatten(this.commit(sha).tree)) {
      out.set(path, this.store.blobs.get(file.sha)?.toString("utf8") ?? "");
    }
    return out;
  }

  // ---- HTTP ----

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const at = Date.now();
    const url = new URL(request.url ?? "/", this.origin);
    const method = (request.method ?? "GET").toUpperCase();
    const path = url.pathname.startsWith(this.prefix)
      ? url.pathname.slice(this.prefix.length)
      : url.pathname;
    const record: RecordedRequest = {
      method,
      path: path + url.search,
      route: null,
      status: 0,
      authorization: request.headers.authorization,
      ifNoneMatch: request.headers["if-none-match"],
      at,
    };
    this.requests.push(record);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    const raw = Buffer.concat(chunks).toString("utf8");

    const send = (answer: Answer, route: Route | null, injected: boolean) => {
      record.status = answer.status;
      record.route = route ? `${route.method} ${route.template}` : null;
      let body = answer.body;
      if (route) {
        const problems = this.openapi.check(
          `${route.method} ${route.template}` as OperationKey,
          answer.status,
          body,
          injected,
        );
        if (problems.length > 0) {
          this.problems.push(...problems);
          answer = {
            status: 500,
            body: { message: `fake GitHub sent an invalid answer: ${problems[0]}` },
          };
          body = answer.body;
          record.status = 500;
        }
      }
      response.writeHead(answer.status, {
        "content-type": "application/json; charset=utf-8",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-github-request-id": randomBytes(8).toString("hex"),
        ...answer.headers,
      });
      response.end(body === undefined ? "" : JSON.stringify(body));
    };

    if (url.pathname === this.graphqlPath && method === "POST") {
      const login = this.login(request.headers.authorization);
      record.route = "POST /graphql";
      const fault = this.faults.find(
        (f) =>
          f.remaining > 0 &&
          (!f.method || f.method === method) &&
          (!f.path || f.path.test(url.pathname)) &&
          (!f.body || f.body.test(raw)),
      );
      if (fault) fault.remaining -= 1;
      if (fault?.kind === "hang") return;
      if (fault?.kind === "lost" && login !== null) {
        await this.graphql(raw, login);
        record.status = 0;
        response.destroy();
        return;
      }
      const injected = fault ? faultAnswer(fault) : null;
      const answer: Answer = injected
        ? injected
        : this.graphqlDisabled
          ? { status: 404, body: { message: "Not Found", documentation_url: DOCS } }
          : login === null
            ? { status: 401, body: { message: "Bad credentials", documentation_url: DOCS } }
            : await this.graphql(raw, login);
      record.status = answer.status;
      response.writeHead(answer.status, {
        "content-type": "application/json; charset=utf-8",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
        "x-ratelimit-resource": "graphql",
        ...answer.headers,
      });
      response.end(JSON.stringify(answer.body));
      return;
    }

    const match = this.match(method, path);
    if (match?.route.greedy && /%2F/i.test(path)) {
      // Enterprise Server does not route an encoded slash inside a path: a ref must be sent
      // with its slashes as they are.
      send(notFound(), match.route, true);
      return;
    }
    if (!match) {
      this.problems.push(`the fake does not serve ${method} ${path}`);
      send({ status: 404, body: { message: "Not Found", documentation_url: DOCS } }, null, false);
      return;
    }
    const { route, params } = match;

    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        !f.body &&
        (!f.method || f.method === method) &&
        (!f.path || f.path.test(path)),
    );
    if (fault) {
      fault.remaining -= 1;
      if (fault.kind === "hang") return;
      send(faultAnswer(fault), route, true);
      return;
    }

    const login = route.appJwt
      ? this.verifyAppJwt(request.headers.authorization)
      : this.login(request.headers.authorization);
    if (login === null) {
      send(
        { status: 401, body: { message: "Bad credentials", documentation_url: DOCS } },
        route,
        true,
      );
      return;
    }
    let body: Record<string, unknown> = {};
    if (raw !== "") {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
          body = { ...parsed };
      } catch {
        send(
          { status: 400, body: { message: "Problems parsing JSON", documentation_url: DOCS } },
          route,
          true,
        );
        return;
      }
    }
    this.beforeHandle?.({ method, path });
    send(
      route.handle({
        params,
        query: url.searchParams,
        body,
        login,
        ifNoneMatch: record.ifNoneMatch,
      }),
      route,
      false,
    );
  }

  /** Where Octokit sends GraphQL: /api/graphql beside Enterprise Server's /api/v3, else /graphql. */
  private get graphqlPath(): string {
    return this.prefix.endsWith("/v3")
      ? `${this.prefix.slice(0, -3)}/graphql`
      : `${this.prefix}/graphql`;
  }

  /** POST /graphql: the document validated against GitHub's schema, then run (test/github/fake-graphql.ts). */
  private async graphql(raw: string, login: string): Promise<Answer> {
    const answer = await answerGraphql(this, raw, login);
    this.problems.push(...answer.problems);
    const body = JSON.parse(JSON.stringify(answer.body)) as Json;
    if (!answer.ok) {
      return { status: answer.status, body: { ...(body as object), documentation_url: DOCS } };
    }
    return { status: 200, body };
  }

  /** The repository's GraphQL node id (the REST answers' node_id). */
  get repositoryNodeId(): string {
    return nodeId("Repository", 4242);
  }

  get webRepoUrl(): string {
    return this.webRepo;
  }

  get apiRepoUrl(): string {
    return this.apiRepo;
  }

  /** Opens a pull request as GitHub does (REST and GraphQL alike); a string is its refusal. */
  openPull(params: {
    head: string;
    base: string;
    title: string;
    body: string;
    login: string;
  }): PullRequestRecord | string {
    if (params.title === "") return "title is required";
    const headSha = this.refs.get(`refs/heads/${params.head}`);
    const baseSha = this.refs.get(`refs/heads/${params.base}`);
    if (!headSha || !baseSha) return "head or base does not exist";
    if (
      this.pulls.some((p) => p.head === params.head && p.base === params.base && p.state === "open")
    ) {
      return `A pull request already exists for ${this.owner}:${params.head}.`;
    }
    if (this.store.isAncestor(headSha, baseSha)) {
      return `No commits between ${params.base} and ${params.head}`;
    }
    const pull: PullRequestRecord = {
      number: this.pulls.length + 1,
      id: this.nextId++,
      title: params.title,
      body: params.body,
      head: params.head,
      base: params.base,
      user: params.login,
      state: "open",
      merged: false,
      mergeCommitSha: null,
      closedHeadSha: null,
      baseShaAtOpen: baseSha,
      labels: [],
      createdAt: now(),
      updatedAt: now(),
      closedAt: null,
      mergedAt: null,
      mergedBy: null,
    };
    this.pulls.push(pull);
    return pull;
  }

  /** codeload: the tarball a redirect pointed at, for the token that redirect carried. */
  private serveCodeload(request: http.IncomingMessage, response: http.ServerResponse): void {
    const url = new URL(request.url ?? "/", this.codeloadOrigin);
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      route: "GET codeload/{owner}/{repo}/legacy.tar.gz/{ref}",
      status: 0,
      authorization: request.headers.authorization,
      ifNoneMatch: undefined,
      at: Date.now(),
    };
    this.requests.push(record);
    const answer = (status: number, body: Buffer | string, type = "text/plain") => {
      record.status = status;
      setTimeout(() => {
        response.writeHead(status, { "content-type": type });
        response.end(body);
      }, this.codeloadDelayMs);
    };
    if (request.headers.authorization !== undefined) {
      this.problems.push("the API credential was sent to codeload (another host)");
    }
    const match = /^\/([^/]+)\/([^/]+)\/legacy\.tar\.gz\/([0-9a-f]{40})$/.exec(url.pathname);
    const token = this.downloadTokens.get(url.searchParams.get("token") ?? "");
    if (
      !match ||
      match[1] !== this.owner ||
      match[2] !== this.repo ||
      !token ||
      token.commit !== match[3] ||
      token.expires < Date.now()
    ) {
      answer(404, "Not Found");
      return;
    }
    const commit = this.commit(token.commit);
    const tarball = gitArchive({
      store: this.store,
      tree: commit.tree,
      commit: token.commit,
      prefix: `${this.owner}-${this.repo}-${token.commit.slice(0, 7)}/`,
      mtime: Date.parse(commit.committer.date) / 1000,
    });
    if (this.codeloadBreaks) {
      this.codeloadBreaks = false;
      record.status = 200;
      response.writeHead(200, { "content-type": "application/x-gzip" });
      response.write(tarball.subarray(0, Math.floor(tarball.length / 2)), () => response.destroy());
      return;
    }
    answer(200, tarball, "application/x-gzip");
  }

  private match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | null {
    const segments = path.split("/").slice(1);
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const parts = route.template.split("/").slice(1);
      if (route.greedy ? segments.length < parts.length : segments.length !== parts.length)
        continue;
      const params: Record<string, string> = {};
      let ok = true;
      parts.forEach((part, index) => {
        if (!ok) return;
        const segment = segments[index] ?? "";
        if (part.startsWith("{")) {
          const name = part.slice(1, -1);
          const value =
            route.greedy && index === parts.length - 1 ? segments.slice(index).join("/") : segment;
          params[name] = decodeURIComponent(value);
          if (value === "") ok = false;
        } else if (part !== segment) {
          ok = false;
        }
      });
      if (ok && params.owner === this.owner && params.repo === this.repo) return { route, params };
      if (ok && params.owner === undefined) return { route, params };
    }
    return null;
  }

  private login(authorization: string | undefined): string | null {
    const match = /^(?:token|bearer) (\S+)$/i.exec(authorization ?? "");
    const token = match?.[1];
    if (!token) return null;
    const login = this.tokens.get(token);
    if (login) return login;
    const expires = this.installationTokens.get(token);
    if (expires !== undefined && expires > Date.now()) return "gantry-app[bot]";
    return null;
  }

  private verifyAppJwt(authorization: string | undefined): string | null {
    const match = /^bearer (\S+)$/i.exec(authorization ?? "");
    const jwt = match?.[1];
    if (!jwt || !this.appKey || !this.options.app) return null;
    const [header, payload, signature] = jwt.split(".");
    if (!header || !payload || !signature) return null;
    const verify = createVerify("RSA-SHA256");
    verify.update(`${header}.${payload}`);
    if (!verify.verify(this.appKey, Buffer.from(signature, "base64url"))) return null;
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    if (typeof claims !== "object" || claims === null) return null;
    const iss = "iss" in claims ? String(claims.iss) : "";
    const exp = "exp" in claims && typeof claims.exp === "number" ? claims.exp : 0;
    if (iss !== String(this.options.app.id) || exp * 1000 < Date.now()) return null;
    return "app";
  }

  // ---- the API ----

  private defineRoutes(): Route[] {
    const R = "/repos/{owner}/{repo}";
    return [
      {
        method: "POST",
        template: "/app/installations/{installation_id}/access_tokens",
        appJwt: true,
        handle: ({ params }) => {
          const app = this.options.app;
          if (!app || Number(params.installation_id) !== app.installationId) return notFound();
          const token = `ghs_${randomBytes(18).toString("hex")}`;
          const expires = Date.now() + (app.tokenLifetimeSeconds ?? 3600) * 1000;
          this.installationTokens.set(token, expires);
          return {
            status: 201,
            body: {
              token,
              expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, "Z"),
              permissions: {
                contents: "write",
                pull_requests: "write",
                statuses: "read",
                checks: "read",
              },
              repository_selection: "selected",
            },
          };
        },
      },
      {
        method: "GET",
        template: `${R}/commits/{ref}/status`,
        handle: ({ params, query }) => {
          const sha = this.resolve(params.ref ?? "");
          if (!sha) return notFound();
          const all = this.statuses.get(sha) ?? [];
          const { items: statuses, link } = this.page(all, query, `commits/${params.ref}/status`);
          const states = all.map((s) => s.state);
          const state = states.some((s) => s === "failure" || s === "error")
            ? "failure"
            : states.length === 0 || states.some((s) => s === "pending")
              ? "pending"
              : "success";
          return {
            status: 200,
            headers: link,
            body: {
              state,
              sha,
              total_count: all.length,
              statuses: statuses.map((s, index) => ({
                id: index + 1,
                node_id: nodeId("StatusContext", index + 1),
                url: `${this.apiRepo}/statuses/${sha}`,
                avatar_url: null,
                state: s.state,
                description: null,
                target_url: s.targetUrl,
                context: s.context,
                created_at: now(),
                updated_at: now(),
              })),
              repository: this.repository(),
              commit_url: `${this.apiRepo}/commits/${sha}`,
              url: `${this.apiRepo}/commits/${sha}/status`,
            },
          };
        },
      },
      {
        method: "POST",
        template: `${R}/statuses/{sha}`,
        handle: ({ params, body, login }) => {
          const sha = params.sha ?? "";
          if (!/^[0-9a-f]{40}$/.test(sha) || !this.store.commits.has(sha)) {
            return unprocessable(`No commit found for SHA: ${sha}`, "Status", "custom");
          }
          const state = typeof body.state === "string" ? body.state : "";
          if (!["error", "failure", "pending", "success"].includes(state)) {
            return unprocessable("state is not included in the list", "Status", "invalid");
          }
          const context = typeof body.context === "string" ? body.context : "default";
          const description = typeof body.description === "string" ? body.description : null;
          if (description !== null && description.length > 140) {
            return unprocessable("description is too long (maximum is 140 characters)", "Status");
          }
          const targetUrl = typeof body.target_url === "string" ? body.target_url : null;
          // The combined status shows the newest status of each context.
          this.statuses.set(sha, [
            ...(this.statuses.get(sha) ?? []).filter((s) => s.context !== context),
            { context, state, targetUrl, description },
          ]);
          const id = this.nextId++;
          return {
            status: 201,
            body: {
              url: `${this.apiRepo}/statuses/${sha}`,
              avatar_url: null,
              id,
              node_id: nodeId("StatusContext", id),
              state,
              description,
              target_url: targetUrl,
              context,
              created_at: now(),
              updated_at: now(),
              creator: this.userJson(login),
            },
          };
        },
      },
      {
        method: "GET",
        template: `${R}/commits/{ref}/check-runs`,
        handle: ({ params, query }) => {
          const sha = this.resolve(params.ref ?? "");
          if (!sha) return notFound();
          const all = this.checkRuns.get(sha) ?? [];
          const {
            items: runs,
            link,
            offset,
          } = this.page(all, query, `commits/${params.ref}/check-runs`);
          return {
            status: 200,
            headers: link,
            body: {
              total_count: all.length,
              check_runs: runs.map((run, index) => this.checkRunJson(sha, run, offset + index + 1)),
            },
          };
        },
      },
      {
        method: "GET",
        template: `${R}/commits`,
        handle: ({ query }) => {
          const sha = this.resolve(query.get("sha") ?? this.defaultBranch);
          if (!sha) return notFound();
          const path = query.get("path");
          const perPage = Math.min(100, Number(query.get("per_page") ?? 30));
          const page = Math.max(1, Number(query.get("page") ?? 1));
          const history = this.history(sha).filter((commit) => !path || this.touches(commit, path));
          return {
            status: 200,
            body: history
              .slice((page - 1) * perPage, page * perPage)
              .map((c) => this.commitJson(c)),
          };
        },
      },
      {
        method: "GET",
        template: `${R}/commits/{ref}`,
        greedy: true,
        handle: ({ params }) => {
          const sha = this.resolve(params.ref ?? "");
          if (!sha) {
            return {
              status: 422,
              body: { message: `No commit found for SHA: ${params.ref}`, documentation_url: DOCS },
            };
          }
          return { status: 200, body: this.commitJson(sha) };
        },
      },
      {
        method: "GET",
        template: `${R}/compare/{basehead}`,
        greedy: true,
        handle: ({ params, query }) => {
          const [baseRef = "", headRef = ""] = (params.basehead ?? "").split("...");
          const base = this.resolve(baseRef);
          const head = this.resolve(headRef);
          if (!base || !head) return notFound();
          const fromHead = this.ancestors(head);
          const fromBase = this.ancestors(base);
          const mergeBase = [...fromHead].find((sha) => fromBase.has(sha));
          // Unrelated histories: GitHub answers 404.
          if (!mergeBase) return notFound();
          const ahead = [...fromHead].filter((sha) => !fromBase.has(sha));
          const behind = [...fromBase].filter((sha) => !fromHead.has(sha));
          const status =
            base === head
              ? "identical"
              : behind.length === 0
                ? "ahead"
                : ahead.length === 0
                  ? "behind"
                  : "diverged";
          const perPage = Math.min(250, Number(query.get("per_page") ?? 250));
          const basehead = `${base}...${head}`;
          return {
            status: 200,
            body: {
              url: `${this.apiRepo}/compare/${basehead}`,
              html_url: `${this.webRepo}/compare/${basehead}`,
              permalink_url: `${this.webRepo}/compare/${this.owner}:${base}...${this.owner}:${head}`,
              diff_url: `${this.webRepo}/compare/${basehead}.diff`,
              patch_url: `${this.webRepo}/compare/${basehead}.patch`,
              base_commit: this.commitJson(base),
              merge_base_commit: this.commitJson(mergeBase),
              status,
              ahead_by: ahead.length,
              behind_by: behind.length,
              total_commits: ahead.length,
              ...(query.has("page") && query.get("page") !== "1"
                ? {}
                : { files: changedFiles(this, mergeBase, head) }),
              // Oldest first, as GitHub lists them.
              commits: ahead
                .reverse()
                .slice(0, perPage)
                .map((sha) => this.commitJson(sha)),
            },
          };
        },
      },
      {
        method: "GET",
        template: `${R}/tarball/{ref}`,
        greedy: true,
        handle: ({ params }) => {
          const sha = this.resolve(params.ref ?? "");
          if (!sha) return notFound();
          const token = randomBytes(16).toString("hex");
          this.downloadTokens.set(token, { commit: sha, expires: Date.now() + 5 * 60_000 });
          return {
            status: 302,
            headers: {
              location: `${this.codeloadOrigin}/${this.owner}/${this.repo}/legacy.tar.gz/${sha}?token=${token}`,
            },
          };
        },
      },
      {
        method: "GET",
        template: `${R}/contents/{path}`,
        greedy: true,
        handle: ({ params, query }) => {
          const sha = this.resolve(query.get("ref") ?? this.defaultBranch);
          if (!sha) return notFound();
          const path = params.path ?? "";
          const file = this.store.flatten(this.commit(sha).tree).get(path);
          if (!file) return notFound();
          const content = this.store.blobs.get(file.sha) ?? Buffer.alloc(0);
          const name = path.split("/").at(-1) ?? path;
          return {
            status: 200,
            body: {
              type: "file",
              encoding: "base64",
              size: content.length,
              name,
              path,
              content: (content.toString("base64").match(/.{1,60}/g) ?? []).join("\n"),
              sha: file.sha,
              url: `${this.apiRepo}/contents/${path}?ref=${sha}`,
              git_url: `${this.apiRepo}/git/blobs/${file.sha}`,
              html_url: `${this.webRepo}/blob/${sha}/${path}`,
              download_url: `${this.origin}/raw/${this.owner}/${this.repo}/${sha}/${path}`,
              _links: {
                self: `${this.apiRepo}/contents/${path}?ref=${sha}`,
                git: `${this.apiRepo}/git/blobs/${file.sha}`,
                html: `${this.webRepo}/blob/${sha}/${path}`,
              },
            },
          };
        },
      },
      {
        method: "GET",
        template: `${R}/git/trees/{tree_sha}`,
        handle: ({ params, query }) => {
          let sha = params.tree_sha ?? "";
          if (!this.store.trees.has(sha)) {
            const commit = this.resolve(sha);
            if (!commit) return notFound();
            sha = this.commit(commit).tree;
          }
          const recursive = query.has("recursive");
          const entries = recursive
            ? this.store.walk(sha)
            : (this.store.trees.get(sha) ?? []).map((item) => ({ path: item.name, item }));
          const truncated = recursive && entries.length > this.truncateTreesOver;
          return {
            status: 200,
            body: {
              sha,
              url: `${this.apiRepo}/git/trees/${sha}`,
              truncated,
              tree: (truncated ? entries.slice(0, this.truncateTreesOver) : entries).map(
                ({ path, item }) => this.treeEntryJson(path, item),
              ),
            },
          };
        },
      },
      {
        method: "POST",
        template: `${R}/git/trees`,
        handle: ({ body }) => {
          const files = new Map<string, { sha: string; mode: TreeItem["mode"] }>();
          const modeOf = (mode: unknown): TreeItem["mode"] =>
            mode === "100755" || mode === "120000" ? mode : "100644";
          if (typeof body.base_tree === "string") {
            if (!this.store.trees.has(body.base_tree))
              return unprocessable("base_tree is not a valid tree");
            for (const [path, file] of this.store.flatten(body.base_tree)) files.set(path, file);
          }
          if (!Array.isArray(body.tree)) return unprocessable("tree is required");
          for (const entry of body.tree as unknown[]) {
            if (typeof entry !== "object" || entry === null)
              return unprocessable("tree entries are objects");
            const e = entry as Record<string, unknown>;
            if (typeof e.path !== "string" || e.type !== "blob")
              return unprocessable("only blob entries are served");
            if (e.sha === null) {
              files.delete(e.path);
            } else if (typeof e.content === "string") {
              files.set(e.path, {
                sha: this.store.putBlob(Buffer.from(e.content)),
                mode: modeOf(e.mode),
              });
            } else if (typeof e.sha === "string" && this.store.blobs.has(e.sha)) {
              files.set(e.path, { sha: e.sha, mode: modeOf(e.mode) });
            } else {
              return unprocessable(`tree.sha ${String(e.sha)} is not a valid blob`);
            }
          }
          const sha = this.store.build(files);
          return {
            status: 201,
            body: {
              sha,
              url: `${this.apiRepo}/git/trees/${sha}`,
              truncated: false,
              tree: (this.store.trees.get(sha) ?? []).map((item) =>
                this.treeEntryJson(item.name, item),
              ),
            },
          };
        },
      },
      {
        method: "GET",
        template: `${R}/git/blobs/{file_sha}`,
        handle: ({ params }) => {
          const sha = params.file_sha ?? "";
          const blob = this.store.blobs.get(sha);
          if (!blob) return notFound();
          return {
            status: 200,
            body: {
              sha,
              node_id: nodeId("Blob", sha),
              url: `${this.apiRepo}/git/blobs/${sha}`,
              size: blob.length,
              content: (blob.toString("base64").match(/.{1,60}/g) ?? []).join("\n"),
              encoding: "base64",
            },
          };
        },
      },
      {
        method: "POST",
        template: `${R}/git/blobs`,
        handle: ({ body }) => {
          if (typeof body.content !== "string") return unprocessable("content is required");
          const content =
            body.encoding === "base64"
              ? Buffer.from(body.content, "base64")
              : Buffer.from(body.content, "utf8");
          const sha = this.store.putBlob(content);
          return { status: 201, body: { sha, url: `${this.apiRepo}/git/blobs/${sha}` } };
        },
      },
      {
        method: "GET",
        template: `${R}/git/commits/{commit_sha}`,
        handle: ({ params }) => {
          const sha = params.commit_sha ?? "";
          if (!this.store.commits.has(sha)) return notFound();
          return { status: 200, body: this.gitCommitJson(sha) };
        },
      },
      {
        method: "POST",
        template: `${R}/git/commits`,
        handle: ({ body, login }) => {
          const tree = typeof body.tree === "string" ? body.tree : "";
          if (!this.store.trees.has(tree)) return unprocessable("tree is not a valid tree");
          const parents = Array.isArray(body.parents) ? body.parents.map(String) : [];
          if (parents.some((p) => !this.store.commits.has(p)))
            return unprocessable("parent is not a commit");
          if (typeof body.message !== "string") return unprocessable("message is required");
          const fallback = { name: login, email: `${login}@users.noreply.github.com`, date: now() };
          const author = person(body.author) ?? fallback;
          const committer = person(body.committer) ?? author;
          const sha = this.store.putCommit({
            tree,
            parents,
            author,
            committer,
            message: body.message,
          });
          return { status: 201, body: this.gitCommitJson(sha) };
        },
      },
      {
        method: "GET",
        template: `${R}/git/ref/{ref}`,
        greedy: true,
        handle: ({ params }) => {
          const name = `refs/${params.ref}`;
          return this.refs.has(name) ? { status: 200, body: this.refJson(name) } : notFound();
        },
      },
      {
        method: "POST",
        template: `${R}/git/refs`,
        handle: ({ body }) => {
          const ref = typeof body.ref === "string" ? body.ref : "";
          const sha = typeof body.sha === "string" ? body.sha : "";
          if (!/^refs\/heads\/./.test(ref)) return unprocessable("ref must be fully qualified");
          if (this.refs.has(ref)) return unprocessable("Reference already exists");
          if (!this.store.commits.has(sha)) return unprocessable("Object does not exist");
          this.refs.set(ref, sha);
          return { status: 201, body: this.refJson(ref) };
        },
      },
      {
        method: "PATCH",
        template: `${R}/git/refs/{ref}`,
        greedy: true,
        handle: ({ params, body }) => {
          const name = `refs/${params.ref}`;
          const current = this.refs.get(name);
          const sha = typeof body.sha === "string" ? body.sha : "";
          if (current === undefined) return unprocessable("Reference does not exist");
          if (!this.store.commits.has(sha)) return unprocessable("Object does not exist");
          if (body.force !== true && !this.store.isAncestor(current, sha)) {
            return unprocessable("Update is not a fast forward");
          }
          this.refs.set(name, sha);
          return { status: 200, body: this.refJson(name) };
        },
      },
      {
        method: "GET",
        template: `${R}/pulls`,
        handle: ({ query }) => {
          const head = query.get("head");
          const base = query.get("base");
          const state = query.get("state") ?? "open";
          let pulls = this.pulls.filter(
            (p) =>
              (!head || `${this.owner}:${p.head}` === head) &&
              (!base || p.base === base) &&
              (state === "all" || p.state === state),
          );
          pulls = [...pulls].sort((a, b) =>
            query.get("direction") === "asc" ? a.number - b.number : b.number - a.number,
          );
          const perPage = Math.min(100, Number(query.get("per_page") ?? 30));
          return { status: 200, body: pulls.slice(0, perPage).map((p) => this.pullJson(p, false)) };
        },
      },
      {
        method: "POST",
        template: `${R}/pulls`,
        handle: ({ body, login }) => {
          const head = typeof body.head === "string" ? body.head.replace(`${this.owner}:`, "") : "";
          const base = typeof body.base === "string" ? body.base : "";
          if (typeof body.title !== "string" || body.title === "")
            return unprocessable("title is required");
          const pull = this.openPull({
            head,
            base,
            title: body.title,
            body: typeof body.body === "string" ? body.body : "",
            login,
          });
          if (typeof pull === "string") {
            if (pull.startsWith("head or base"))
              return unprocessable(pull, "PullRequest", "invalid");
            if (pull.startsWith("No commits")) return unprocessable(pull, "PullRequest", "custom");
            return {
              status: 422,
              body: {
                message: "Validation Failed",
                errors: [{ resource: "PullRequest", code: "custom", message: pull }],
                documentation_url: DOCS,
              },
            };
          }
          return { status: 201, body: this.pullJson(pull, true) };
        },
      },
      {
        method: "GET",
        template: `${R}/pulls/{pull_number}`,
        handle: ({ params, ifNoneMatch }) => {
          const pull = this.pull(params.pull_number);
          if (!pull) return notFound();
          // GitHub's ETag changes whenever the representation does; a match is a 304 without a body.
          const body = this.pullJson(pull, true);
          const etag = `W/"${createHash("sha256").update(JSON.stringify(body)).digest("hex")}"`;
          if (ifNoneMatch === etag) return { status: 304, headers: { etag } };
          return { status: 200, body, headers: { etag } };
        },
      },
      {
        method: "PATCH",
        template: `${R}/pulls/{pull_number}`,
        handle: ({ params, body }) => {
          const pull = this.pull(params.pull_number);
          if (!pull) return unprocessable("pull request not found");
          if (body.state === "closed" && pull.state === "open") {
            pull.closedHeadSha = this.headSha(pull);
            pull.state = "closed";
            pull.closedAt = now();
            pull.updatedAt = now();
          }
          if (typeof body.title === "string") pull.title = body.title;
          return { status: 200, body: this.pullJson(pull, true) };
        },
      },
      {
        method: "PUT",
        template: `${R}/pulls/{pull_number}/merge`,
        handle: ({ params, body, login }) => this.merge(params.pull_number, body, login),
      },
      {
        method: "GET",
        template: `${R}/pulls/{pull_number}/reviews`,
        handle: ({ params }) => {
          const pull = this.pull(params.pull_number);
          if (!pull) return { status: 200, body: [] };
          return {
            status: 200,
            body: this.reviews.filter((r) => r.pull === pull.number).map((r) => this.reviewJson(r)),
          };
        },
      },
      {
        method: "POST",
        template: `${R}/pulls/{pull_number}/reviews`,
        handle: ({ params, body, login }) => {
          const pull = this.pull(params.pull_number);
          if (!pull) return unprocessableSimple("Pull request not found");
          const events = {
            APPROVE: "APPROVED",
            REQUEST_CHANGES: "CHANGES_REQUESTED",
            COMMENT: "COMMENTED",
          } as const;
          const event = typeof body.event === "string" && body.event in events ? body.event : null;
          if (event === null) return unprocessableSimple("event is required");
          const state = events[event as keyof typeof events];
          if (state !== "COMMENTED" && pull.user === login) {
            const verb = state === "APPROVED" ? "approve" : "request changes on";
            return unprocessableSimple(`Can not ${verb} your own pull request`);
          }
          const review: ReviewRecord = {
            id: this.nextId++,
            pull: pull.number,
            user: login,
            state,
            body: typeof body.body === "string" ? body.body : "",
            commitId: this.headSha(pull),
            submittedAt: now(),
          };
          this.reviews.push(review);
          return { status: 200, body: this.reviewJson(review) };
        },
      },
      {
        method: "POST",
        template: `${R}/issues/{issue_number}/labels`,
        handle: ({ params, body }) => {
          const pull = this.pull(params.issue_number);
          if (!pull) return notFound();
          const labels = Array.isArray(body.labels) ? body.labels.map(String) : [];
          for (const label of labels) if (!pull.labels.includes(label)) pull.labels.push(label);
          return { status: 200, body: pull.labels.map((name) => labelJson(name)) };
        },
      },
      {
        method: "POST",
        template: `${R}/issues/{issue_number}/comments`,
        handle: ({ params, body, login }) => {
          const pull = this.pull(params.issue_number);
          if (!pull) return notFound();
          if (typeof body.body !== "string") return unprocessable("body is required");
          this.comments.push({ pull: pull.number, user: login, body: body.body });
          const id = this.nextId++;
          return {
            status: 201,
            body: {
              id,
              node_id: nodeId("IssueComment", id),
              url: `${this.apiRepo}/issues/comments/${id}`,
              html_url: `${this.webRepo}/pull/${pull.number}#issuecomment-${id}`,
              issue_url: `${this.apiRepo}/issues/${pull.number}`,
              body: body.body,
              user: this.userJson(login),
              created_at: now(),
              updated_at: now(),
              author_association: "NONE",
            },
          };
        },
      },
    ];
  }

  private merge(number: string | undefined, body: Record<string, unknown>, login: string): Answer {
    const pull = this.pull(number);
    if (!pull) return notFound();
    if (pull.state !== "open") {
      return {
        status: 405,
        body: { message: "Pull Request is not mergeable", documentation_url: DOCS },
      };
    }
    const head = this.headSha(pull);
    if (typeof body.sha === "string" && body.sha !== head) {
      return {
        status: 409,
        body: {
          message: "Head branch was modified. Review and try the merge again.",
          documentation_url: DOCS,
        },
      };
    }
    const baseRef = `refs/heads/${pull.base}`;
    const baseSha = this.refs.get(baseRef) ?? "";
    const tree = this.mergedTree(baseSha, head);
    if (tree === null) {
      return {
        status: 405,
        body: { message: "Pull Request is not mergeable", documentation_url: DOCS },
      };
    }
    const title =
      typeof body.commit_title === "string" && body.commit_title !== ""
        ? body.commit_title
        : `Merge pull request #${pull.number} from ${this.owner}/${pull.head}`;
    const message =
      typeof body.commit_message === "string" && body.commit_message !== ""
        ? `${title}\n\n${body.commit_message}`
        : title;
    const who = { name: login, email: `${login}@users.noreply.github.com`, date: now() };
    const squash = body.merge_method === "squash";
    const sha = this.store.putCommit({
      tree,
      parents: squash ? [baseSha] : [baseSha, head],
      author: squash ? this.commit(head).author : who,
      committer: who,
      message,
    });
    this.refs.set(baseRef, sha);
    pull.closedHeadSha = head;
    pull.state = "closed";
    pull.merged = true;
    pull.mergeCommitSha = sha;
    pull.mergedAt = now();
    pull.closedAt = pull.mergedAt;
    pull.mergedBy = login;
    return {
      status: 200,
      body: { sha, merged: true, message: "Pull Request successfully merged" },
    };
  }

  /** A file-level three-way merge; null on a conflict. */
  private mergedTree(base: string, head: string): string | null {
    const ancestor = this.store.mergeBase(base, head);
    const files = (sha: string | null) =>
      sha
        ? this.store.flatten(this.commit(sha).tree)
        : new Map<string, { sha: string; mode: "100644" }>();
    const a = files(ancestor);
    const ours = files(base);
    const theirs = files(head);
    const result = new Map(ours);
    for (const path of new Set([...a.keys(), ...ours.keys(), ...theirs.keys()])) {
      const o = ours.get(path)?.sha;
      const t = theirs.get(path)?.sha;
      const b = a.get(path)?.sha;
      if (o === t || t === b) continue;
      if (o !== b) return null; // both sides changed it differently
      const file = theirs.get(path);
      if (file) result.set(path, file);
      else result.delete(path);
    }
    return this.store.build(result);
  }

  // ---- lookups ----

  /** One page of a list (`per_page` at most 100, default 30) and GitHub's Link header for the rest. */
  private page<T>(
    all: readonly T[],
    query: URLSearchParams,
    route: string,
  ): { items: T[]; offset: number; link: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(query.get("per_page") ?? 30)));
    const page = Math.max(1, Number(query.get("page") ?? 1));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const offset = (page - 1) * perPage;
    const url = (n: number) => `<${this.apiRepo}/${route}?per_page=${perPage}&page=${n}>`;
    const links: string[] = [];
    if (page < last) links.push(`${url(page + 1)}; rel="next"`, `${url(last)}; rel="last"`);
    if (page > 1) links.push(`${url(1)}; rel="first"`, `${url(page - 1)}; rel="prev"`);
    return {
      items: all.slice(offset, offset + perPage),
      offset,
      link: links.length > 0 ? { link: links.join(", ") } : {},
    };
  }

  resolve(ref: string): string | null {
    if (/^[0-9a-f]{40}$/.test(ref)) return this.store.commits.has(ref) ? ref : null;
    return this.refs.get(`refs/heads/${ref}`) ?? this.refs.get(`refs/tags/${ref}`) ?? null;
  }

  private pull(number: string | undefined): PullRequestRecord | undefined {
    return this.pulls.find((p) => String(p.number) === number);
  }

  headSha(pull: PullRequestRecord): string {
    return pull.closedHeadSha ?? this.refs.get(`refs/heads/${pull.head}`) ?? pull.baseShaAtOpen;
  }

  /** First-parent history, newest first. */
  /** Every commit reachable from `sha` (itself included), nearest first, through all parents. */
  private ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [sha];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(this.store.commits.get(next)?.parents ?? []));
    }
    return seen;
  }

  private history(sha: string): string[] {
    const out: string[] = [];
    let current: string | undefined = sha;
    while (current) {
      out.push(current);
      current = this.store.commits.get(current)?.parents[0];
    }
    return out;
  }

  private touches(sha: string, path: string): boolean {
    const commit = this.commit(sha);
    const mine = this.store.flatten(commit.tree);
    const parent = commit.parents[0];
    const theirs = parent ? this.store.flatten(this.commit(parent).tree) : new Map();
    for (const p of new Set([...mine.keys(), ...theirs.keys()])) {
      if ((p === path || p.startsWith(`${path}/`)) && mine.get(p)?.sha !== theirs.get(p)?.sha)
        return true;
    }
    return false;
  }

  // ---- JSON, shaped like GitHub's ----

  private get apiRepo(): string {
    return `${this.apiUrl}/repos/${this.owner}/${this.repo}`;
  }

  private get webRepo(): string {
    return `${this.webUrl}/${this.owner}/${this.repo}`;
  }

  private userJson(login: string): Json {
    const id = [...login].reduce((sum, c) => sum + c.charCodeAt(0), 0);
    const api = `${this.apiUrl}/users/${login}`;
    return {
      login,
      id,
      node_id: nodeId("User", id),
      avatar_url: `${this.webUrl}/avatars/${id}`,
      gravatar_id: "",
      url: api,
      html_url: `${this.webUrl}/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: login.endsWith("[bot]") ? "Bot" : "User",
      site_admin: false,
    };
  }

  private repository(): Json {
    const api = this.apiRepo;
    const urls: Record<string, string> = {};
    const templated: Record<string, string> = {
      archive_url: "{archive_format}{/ref}",
      assignees_url: "assignees{/user}",
      blobs_url: "git/blobs{/sha}",
      branches_url: "branches{/branch}",
      collaborators_url: "collaborators{/collaborator}",
      comments_url: "comments{/number}",
      commits_url: "commits{/sha}",
      compare_url: "compare/{base}...{head}",
      contents_url: "contents/{+path}",
      contributors_url: "contributors",
      deployments_url: "deployments",
      downloads_url: "downloads",
      events_url: "events",
      forks_url: "forks",
      git_commits_url: "git/commits{/sha}",
      git_refs_url: "git/refs{/sha}",
      git_tags_url: "git/tags{/sha}",
      hooks_url: "hooks",
      issue_comment_url: "issues/comments{/number}",
      issue_events_url: "issues/events{/number}",
      issues_url: "issues{/number}",
      keys_url: "keys{/key_id}",
      labels_url: "labels{/name}",
      languages_url: "languages",
      merges_url: "merges",
      milestones_url: "milestones{/number}",
      notifications_url: "notifications{?since,all,participating}",
      pulls_url: "pulls{/number}",
      releases_url: "releases{/id}",
      stargazers_url: "stargazers",
      statuses_url: "statuses/{sha}",
      subscribers_url: "subscribers",
      subscription_url: "subscription",
      tags_url: "tags",
      teams_url: "teams",
      trees_url: "git/trees{/sha}",
    };
    for (const [key, suffix] of Object.entries(templated)) urls[key] = `${api}/${suffix}`;
    return {
      id: 4242,
      node_id: nodeId("Repository", 4242),
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      owner: this.userJson(this.owner),
      private: true,
      html_url: this.webRepo,
      description: "GitOps repository",
      fork: false,
      url: api,
      ...urls,
      clone_url: `${this.webRepo}.git`,
      git_url: `git://127.0.0.1/${this.owner}/${this.repo}.git`,
      ssh_url: `git@127.0.0.1:${this.owner}/${this.repo}.git`,
      svn_url: this.webRepo,
      mirror_url: null,
      homepage: null,
      language: null,
      default_branch: this.defaultBranch,
      forks: 0,
      forks_count: 0,
      open_issues: 0,
      open_issues_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 1,
      has_downloads: true,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: "2026-01-01T00:00:00Z",
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    };
  }

  private commitJson(sha: string): Json {
    const commit = this.commit(sha);
    const gitUser = (p: Person) => ({ name: p.name, email: p.email, date: p.date });
    return {
      sha,
      node_id: nodeId("Commit", sha),
      url: `${this.apiRepo}/commits/${sha}`,
      html_url: `${this.webRepo}/commit/${sha}`,
      comments_url: `${this.apiRepo}/commits/${sha}/comments`,
      commit: {
        url: `${this.apiRepo}/git/commits/${sha}`,
        author: gitUser(commit.author),
        committer: gitUser(commit.committer),
        message: commit.message,
        comment_count: 0,
        tree: { sha: commit.tree, url: `${this.apiRepo}/git/trees/${commit.tree}` },
      },
      author: null,
      committer: null,
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: `${this.apiRepo}/commits/${parent}`,
        html_url: `${this.webRepo}/commit/${parent}`,
      })),
    };
  }

  private gitCommitJson(sha: string): Json {
    const commit = this.commit(sha);
    return {
      sha,
      node_id: nodeId("Commit", sha),
      url: `${this.apiRepo}/git/commits/${sha}`,
      html_url: `${this.webRepo}/commit/${sha}`,
      author: { name: commit.author.name, email: commit.author.email, date: commit.author.date },
      committer: {
        name: commit.committer.name,
        email: commit.committer.email,
        date: commit.committer.date,
      },
      tree: { sha: commit.tree, url: `${this.apiRepo}/git/trees/${commit.tree}` },
      message: commit.message,
      parents: commit.parents.map((parent) => ({
        sha: parent,
        url: `${this.apiRepo}/git/commits/${parent}`,
        html_url: `${this.webRepo}/commit/${parent}`,
      })),
      verification: {
        verified: false,
        reason: "unsigned",
        signature: null,
        payload: null,
        verified_at: null,
      },
    };
  }

  private treeEntryJson(path: string, item: { mode: string; type: string; sha: string }): Json {
    const size = item.type === "blob" ? (this.store.blobs.get(item.sha)?.length ?? 0) : undefined;
    return {
      path,
      mode: item.mode,
      type: item.type,
      sha: item.sha,
      ...(size === undefined ? {} : { size }),
      url: `${this.apiRepo}/git/${item.type === "blob" ? "blobs" : "trees"}/${item.sha}`,
    };
  }

  private refJson(name: string): Json {
    const sha = this.refs.get(name) ?? "";
    return {
      ref: name,
      node_id: nodeId("Ref", name),
      url: `${this.apiRepo}/git/${name}`,
      object: { type: "commit", sha, url: `${this.apiRepo}/git/commits/${sha}` },
    };
  }

  private pullJson(pull: PullRequestRecord, full: boolean): Json {
    const api = `${this.apiRepo}/pulls/${pull.number}`;
    const issue = `${this.apiRepo}/issues/${pull.number}`;
    const html = `${this.webRepo}/pull/${pull.number}`;
    const head = this.headSha(pull);
    const end = (ref: string, sha: string) => ({
      label: `${this.owner}:${ref}`,
      ref,
      sha,
      user: this.userJson(this.owner),
      repo: this.repository(),
    });
    const simple = {
      url: api,
      id: pull.id,
      node_id: nodeId("PullRequest", pull.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issue,
      commits_url: `${api}/commits`,
      review_comments_url: `${api}/comments`,
      review_comment_url: `${this.apiRepo}/pulls/comments{/number}`,
      comments_url: `${issue}/comments`,
      statuses_url: `${this.apiRepo}/statuses/${head}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      user: this.userJson(pull.user),
      body: pull.body,
      labels: pull.labels.map((name) => labelJson(name)),
      milestone: null,
      active_lock_reason: null,
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.closedAt,
      merged_at: pull.mergedAt,
      merge_commit_sha: pull.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: end(pull.head, head),
      base: end(pull.base, this.refs.get(`refs/heads/${pull.base}`) ?? pull.baseShaAtOpen),
      _links: {
        self: { href: api },
        html: { href: html },
        issue: { href: issue },
        comments: { href: `${issue}/comments` },
        review_comments: { href: `${api}/comments` },
        review_comment: { href: `${this.apiRepo}/pulls/comments{/number}` },
        commits: { href: `${api}/commits` },
        statuses: { href: `${this.apiRepo}/statuses/${head}` },
      },
      author_association: "OWNER",
      auto_merge: null,
      draft: false,
    };
    if (!full) return simple;
    return {
      ...simple,
      merged: pull.merged,
      mergeable: pull.state === "open" ? true : null,
      rebaseable: null,
      mergeable_state: pull.state === "open" ? "clean" : "unknown",
      merged_by: pull.mergedBy ? this.userJson(pull.mergedBy) : null,
      comments: this.comments.filter((c) => c.pull === pull.number).length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: 1,
      deletions: 1,
      changed_files: 1,
    };
  }

  private reviewJson(review: ReviewRecord): Json {
    const html = `${this.webRepo}/pull/${review.pull}#pullrequestreview-${review.id}`;
    return {
      id: review.id,
      node_id: nodeId("PullRequestReview", review.id),
      user: this.userJson(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: `${this.apiRepo}/pulls/${review.pull}`,
      _links: {
        html: { href: html },
        pull_request: { href: `${this.apiRepo}/pulls/${review.pull}` },
      },
      submitted_at: review.submittedAt,
      commit_id: review.commitId,
      author_association: "COLLABORATOR",
    };
  }

  private checkRunJson(
    sha: string,
    run: { name: string; status: string; conclusion: string | null },
    id: number,
  ): Json {
    const completed = run.status === "completed";
    return {
      id,
      head_sha: sha,
      node_id: nodeId("CheckRun", id),
      external_id: "",
      url: `${this.apiRepo}/check-runs/${id}`,
      html_url: `${this.webRepo}/runs/${id}`,
      details_url: `${this.webRepo}/runs/${id}`,
      status: run.status,
      conclusion: completed ? run.conclusion : null,
      started_at: "2026-01-01T00:00:00Z",
      completed_at: completed ? "2026-01-01T00:01:00Z" : null,
      output: {
        title: null,
        summary: null,
        text: null,
        annotations_count: 0,
        annotations_url: `${this.apiRepo}/check-runs/${id}/annotations`,
      },
      name: run.name,
      check_suite: { id: 1 },
      app: null,
      pull_requests: [],
    };
  }
}

function faultAnswer(fault: Fault): Answer {
  const retryAfter = fault.retryAfter ?? 1;
  if (fault.kind === "secondary") {
    return {
      status: fault.status ?? 403,
      headers: { "retry-after": String(retryAfter) },
      body: {
        message:
          "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.",
        documentation_url:
          "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      },
    };
  }
  if (fault.kind === "primary") {
    return {
      status: fault.status ?? 403,
      headers: {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + retryAfter),
      },
      body: {
        message: "API rate limit exceeded for installation.",
        documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
      },
    };
  }
  return { status: fault.status ?? 502, body: { message: "Server Error" } };
}

function notFound(): Answer {
  return { status: 404, body: { message: "Not Found", documentation_url: DOCS } };
}

function unprocessable(message: string, resource = "Repository", code = "invalid"): Answer {
  return {
    status: 422,
    body: {
      message:
        message.includes("already exists") || message.includes("fast forward")
          ? message
          : "Validation Failed",
      errors: [{ resource, code, message }],
      documentation_url: DOCS,
    },
  };
}

function unprocessableSimple(message: string): Answer {
  return {
    status: 422,
    body: { message: "Unprocessable Entity", errors: [message], documentation_url: DOCS },
  };
}

function labelJson(name: string): Json {
  const id = [...name].reduce((sum, c) => sum * 31 + c.charCodeAt(0), 7) % 1_000_000;
  return {
    id,
    node_id: nodeId("Label", id),
    url: `https://api.github.invalid/labels/${encodeURIComponent(name)}`,
    name,
    description: "",
    color: "ededed",
    default: false,
  };
}

function person(value: unknown): Person | null {
  if (typeof value !== "object" || value === null) return null;
  const p = value as Record<string, unknown>;
  if (typeof p.name !== "string" || typeof p.email !== "string") return null;
  return { name: p.name, email: p.email, date: typeof p.date === "string" ? p.date : now() };
}

function nodeId(kind: string, id: string | number): string {
  return Buffer.from(`${kind}:${id}`).toString("base64");
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
