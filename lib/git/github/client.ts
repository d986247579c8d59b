import { AsyncLocalStorage } from "node:async_hooks";
import { createAppAuth } from "@octokit/auth-app";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import { z } from "zod";
import { type ErrorCode, GantryError } from "@/lib/errors";
import { errorBodySchema } from "@/lib/git/github/schemas";
import { WriteBudget } from "@/lib/git/github/write-budget";
import { log } from "@/lib/log";
import { metrics } from "@/lib/metrics";

type GitHubAuth =
  | { type: "token"; token: string }
  | {
      type: "app";
      appId: string;
      privateKey: string;
      installationId: number;
      /**
       * Installation tokens are used until this long before their `expires_at`, then replaced
       * (GitHub issues them for an hour). Default one minute.
       */
      refreshMarginMs?: number;
    };

export interface GitHubClientOptions {
  /** https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server. */
  apiUrl: string;
  auth: GitHubAuth;
  /** Budget for content-creating requests; defaults 80 a minute, 500 an hour. */
  writesPerMinute?: number;
  writesPerHour?: number;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
  /** Per attempt of a commit's tarball download (redirect and body); default 5 min. */
  downloadTimeoutMs?: number;
  /** How often a rate-limited request is tried again after waiting; default 3. */
  rateLimitRetries?: number;
  /** A primary rate limit that resets later than this is an error rather than a wait; default 15 min. */
  maxRateLimitWaitSeconds?: number;
  /** Base of the 5xx retry back-off in ms (1, 4, 9 × this); default 1000. */
  retryBaseMs?: number;
  /** Separates this client's throttling from other clients in the process (tests). */
  throttleId?: string;
  /**
   * @octokit/plugin-throttling: GitHub's recommended pacing (one write a second, shared by
   * every client in the process) and the waits on `retry-after` / `x-ratelimit-reset`.
   * Default true; only tests that are not about rate limits turn it off, to run fast.
   */
  throttling?: boolean;
}

/** API calls made, per provider operation (an operation is one GitProvider method call). */
export interface ApiCallCounts {
  total: number;
  writes: number;
  byOperation: Record<string, number>;
}

const MAX_ERROR_MESSAGE = 200;

/**
 * Strings that may be credentials, wherever they appear in a message that
 * came back over HTTP (a proxy may echo the request, headers and all):
 * GitHub's token formats, Gantry's, JWTs (an App's), the value after
 * Bearer/token/Basic, credentials in URLs, and any long hex or base64 run.
 */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  /\b(?:gh[pousr]_|github_pat_|gantry_)[A-Za-z0-9_-]{10,}/g,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g,
  /\b(bearer|token|basic)(\s+)[^\s,;]+/gi,
  /(\/\/)[^/\s@]+@/g,
  /\b[A-Fa-f0-9]{32,}\b/g,
  /[A-Za-z0-9+/_-]{40,}={0,2}/g,
];

/** A message from GitHub (or whatever answered for it) made safe to show: redacted, one line, bounded. */
function summariseRemoteMessage(text: string): string {
  let safe = text.split(/\r?\n/, 1)[0] ?? "";
  for (const pattern of CREDENTIAL_PATTERNS) {
    safe = safe.replace(pattern, (match, ...groups: unknown[]) => {
      const [word, space] = groups;
      if (
        typeof word === "string" &&
        typeof space === "string" &&
        /^(bearer|token|basic)$/i.test(word)
      ) {
        return `${word}${space}[redacted]`;
      }
      if (match.startsWith("//")) return "//[redacted]@";
      return "[redacted]";
    });
  }
  safe = safe.replace(/[\p{Cc}\u2028\u2029]+/gu, " ").trim();
  return safe.length > MAX_ERROR_MESSAGE ? `${safe.slice(0, MAX_ERROR_MESSAGE)}…` : safe;
}

export function githubError(
  code: ErrorCode,
  message: string,
  options: { details?: Record<string, unknown>; cause?: unknown } = {},
): GantryError {
  return new GantryError(code, message, { system: "github", ...options });
}

/** What the HTTP layer reports about a failed request; Octokit's RequestError has this shape. */
export interface HttpFailure {
  status: number;
  message: string;
  response?: { data?: unknown; headers?: Record<string, string | number | undefined> };
}

export function httpFailure(error: unknown): HttpFailure | null {
  if (!(error instanceof Error) || !("status" in error) || typeof error.status !== "number") {
    return null;
  }
  const response =
    "response" in error && typeof error.response === "object" ? error.response : undefined;
  return {
    status: error.status,
    message: error.message,
    response: response ?? undefined,
  };
}

/**
 * GitHub's own `message` (and its `errors`), summarised and redacted; never
 * the request (which carries the token).
 */
export function githubMessage(failure: HttpFailure): string {
  const parsed = errorBodySchema.safeParse(failure.response?.data);
  let text = "no message";
  if (parsed.success) {
    const details = (parsed.data.errors ?? [])
      .map((e) => (typeof e === "string" ? e : (e.message ?? e.code ?? "")))
      .filter((e) => e !== "");
    text =
      details.length > 0 ? `${parsed.data.message}: ${details.join("; ")}` : parsed.data.message;
  }
  return summariseRemoteMessage(text);
}

/** The messages of a GraphQL answer's errors, summarised and redacted. */
export function summariseGraphqlErrors(errors: readonly { message: string }[]): string {
  const text = errors.map((e) => e.message).join("; ") || "no message";
  return githubMessage({ status: 200, message: text, response: { data: { message: text } } });
}

/**
 * Octokit with GitHub's recommended throttling, retries of 5xx answers, a
 * per-attempt timeout, the write budget, and a count of every HTTP attempt
 * (token requests included) per operation.
 */
export class GitHubClient {
  readonly octokit: Octokit;
  readonly writeBudget: WriteBudget;
  private readonly operation = new AsyncLocalStorage<string>();
  private counts: ApiCallCounts = { total: 0, writes: 0, byOperation: {} };

  constructor(options: GitHubClientOptions) {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const downloadTimeoutMs = Math.max(timeoutMs, options.downloadTimeoutMs ?? 300_000);
    const rateLimitRetries = options.rateLimitRetries ?? 3;
    const maxWait = options.maxRateLimitWaitSeconds ?? 900;
    this.writeBudget = new WriteBudget({
      perMinute: options.writesPerMinute ?? 80,
      perHour: options.writesPerHour ?? 500,
    });
    const budget = this.writeBudget;

    const fetchWithBudget = async (input: string | URL | Request, init?: RequestInit) => {
      const method = (init?.method ?? "GET").toUpperCase();
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const isWrite =
        method !== "GET" &&
        method !== "HEAD" &&
        !isTokenRequest(url) &&
        !isGraphqlQuery(url, init?.body);
      if (isWrite) await budget.acquire();
      this.count(isWrite);
      // A large repository's tarball takes longer than an API answer; the body is read under
      // the same signal, so the limit covers the whole download.
      const timeout = AbortSignal.timeout(isTarballRequest(url) ? downloadTimeoutMs : timeoutMs);
      const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      const response = await fetch(input, { ...init, signal });
      recordGitHubCall(method, response);
      return response;
    };

    const ThrottledOctokit = Octokit.plugin(throttling, retry);
    const onLimit =
      (kind: "secondary" | "primary") =>
      (
        retryAfter: number,
        request: { method: string; url: string },
        _octokit: unknown,
        retryCount: number,
      ) => {
        if (kind === "secondary") budget.pause(retryAfter * 1000);
        const retrying = retryCount < rateLimitRetries && retryAfter <= maxWait;
        log.warn("GitHub rate limit", {
          kind,
          method: request.method,
          route: request.url,
          retryAfterSeconds: retryAfter,
          retrying,
        });
        return retrying;
      };

    const common = {
      baseUrl: options.apiUrl.replace(/\/+$/, ""),
      userAgent: "gantry",
      request: { fetch: fetchWithBudget },
      log: {
        debug: () => {},
        info: () => {},
        warn: (message: string) => log.warn("octokit", { detail: message }),
        // Octokit logs every 4xx as an error; the provider turns each into a GantryError
        // (or an expected answer such as "no such branch"), so these are debug lines.
        error: (message: string) => log.debug("octokit", { detail: message }),
      },
      throttle: {
        enabled: options.throttling ?? true,
        id: options.throttleId ?? "gantry",
        onSecondaryRateLimit: onLimit("secondary"),
        onRateLimit: onLimit("primary"),
      },
      retry: {
        retryAfterBaseValue: options.retryBaseMs ?? 1000,
        // Only 5xx and network failures are worth repeating: 405/409 from a merge are answers.
        doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 451],
      },
    };

    if (options.auth.type === "token") {
      this.octokit = new ThrottledOctokit({ ...common, auth: options.auth.token });
    } else {
      const margin = options.auth.refreshMarginMs ?? 60_000;
      this.octokit = new ThrottledOctokit({
        ...common,
        authStrategy: createAppAuth,
        auth: {
          appId: options.auth.appId,
          privateKey: options.auth.privateKey,
          installationId: options.auth.installationId,
          cache: expiringTokenCache(margin),
        },
      });
    }
  }

  /** Runs `action` with every API call it makes counted under `name`. */
  run<T>(name: string, action: () => Promise<T>): Promise<T> {
    return this.operation.run(name, action);
  }

  apiCallCounts(): ApiCallCounts {
    return { ...this.counts, byOperation: { ...this.counts.byOperation } };
  }

  resetApiCallCounts(): void {
    this.counts = { total: 0, writes: 0, byOperation: {} };
  }

  private count(isWrite: boolean): void {
    const name = this.operation.getStore() ?? "other";
    this.counts.total += 1;
    if (isWrite) this.counts.writes += 1;
    this.counts.byOperation[name] = (this.counts.byOperation[name] ?? 0) + 1;
  }
}

function isTarballRequest(url: string): boolean {
  return /\/repos\/[^/]+\/[^/]+\/tarball\//.test(new URL(url).pathname);
}

/** A GraphQL read (a query, not a mutation): POSTed, but it creates nothing and is not paced. */
function isGraphqlQuery(url: string, body: unknown): boolean {
  if (!/\/graphql$/.test(new URL(url).pathname) || typeof body !== "string") return false;
  const parsed = z.object({ query: z.string() }).safeParse(safeJson(body));
  return parsed.success && /^\s*(query\b|\{)/.test(parsed.data.query);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isTokenRequest(url: string): boolean {
  return /\/app\/installations\/[^/]+\/access_tokens$/.test(new URL(url).pathname);
}

/**
 * auth-app keeps installation tokens for 59 minutes whatever GitHub says; this
 * cache honours the token's own `expires_at` (the third field of auth-app's
 * cached value), so a token is replaced before GitHub stops accepting it.
 */
function expiringTokenCache(marginMs: number) {
  const entries = new Map<string, string>();
  return {
    async get(key: string): Promise<string> {
      const value = entries.get(key);
      if (value === undefined) return "";
      const expiresAt = Date.parse(value.split("|")[2] ?? "");
      if (!Number.isFinite(expiresAt) || expiresAt - marginMs <= Date.now()) {
        entries.delete(key);
        return "";
      }
      return value;
    },
    async set(key: string, value: string): Promise<void> {
      entries.set(key, value);
    },
  };
}

/** Parses an answer with `schema`, or throws a clear error naming the request. */
export function validated<S extends z.ZodType>(
  schema: S,
  data: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  throw githubError("unavailable", `GitHub answered ${what} with an unexpected response`, {
    details: { request: what, problems },
  });
}

/** Counts the call and keeps the rate limit GitHub reports, for /metrics. */
function recordGitHubCall(method: string, response: Response): void {
  const { githubCalls, githubRateLimitRemaining } = metrics();
  githubCalls.inc({ method, status: String(response.status) });
  const remaining = Number(response.headers.get("x-ratelimit-remaining"));
  if (response.headers.has("x-ratelimit-remaining") && Number.isFinite(remaining)) {
    const resource = response.headers.get("x-ratelimit-resource") ?? "core";
    githubRateLimitRemaining.set({ resource: resource.slice(0, 40) }, remaining);
  }
}
