import path from "node:path";
import {
  type ApiCallCounts,
  GitHubClient,
  type GitHubClientOptions,
  githubError,
  githubMessage,
  type HttpFailure,
  httpFailure,
} from "@/lib/git/github/client";
import { GitHubSnapshots } from "@/lib/git/github/snapshots";
import type { TarLimits } from "@/lib/git/github/tarball";
import type { GitPerson } from "@/lib/git/provider";

export interface GitHubProviderOptions extends GitHubClientOptions {
  owner: string;
  repository: string;
  defaultBranch: string;
  /** Browser root for links; derived from apiUrl when absent (api.github.com → github.com, <host>/api/v3 → <host>). */
  webUrl?: string;
  /** Gantry's data directory: snapshots of commits are kept under `cache/github/`. */
  dataDir: string;
  /** Commits kept as snapshots; default 4. */
  maxSnapshots?: number;
  /** Bounds on one commit's tarball. */
  snapshotLimits?: Partial<TarLimits>;
}

type Answer = { data: unknown };
type Attempt = { ok: true; data: unknown } | { ok: false; failure: HttpFailure };

/**
 * The ground every part of the GitHub provider stands on: which repository,
 * the client, and how a request is sent and its failure put in words
 * (a GantryError tagged `system: "github"` quoting GitHub, never a
 * credential). The parts (reading the repository, refs and commits, pull
 * requests, reviews and checks) extend it in that order; GitHubProvider is
 * the last.
 */
export abstract class GitHubRepositoryApi {
  readonly kind = "github" as const;
  readonly repository: string;
  readonly defaultBranch: string;
  readonly owner: string;
  readonly client: GitHubClient;
  protected readonly webRepoUrl: string;
  protected readonly snapshots: GitHubSnapshots;

  constructor(options: GitHubProviderOptions) {
    this.owner = options.owner;
    this.repository = options.repository;
    this.defaultBranch = options.defaultBranch;
    this.client = new GitHubClient(options);
    const web = (options.webUrl ?? webUrlFor(options.apiUrl)).replace(/\/+$/, "");
    this.webRepoUrl = `${web}/${encodeURIComponent(this.owner)}/${encodeURIComponent(this.repository)}`;
    this.snapshots = new GitHubSnapshots({
      cacheDir: snapshotDirectory(
        options.dataDir,
        new URL(options.apiUrl).host,
        this.owner,
        this.repository,
      ),
      maxSnapshots: options.maxSnapshots,
      limits: options.snapshotLimits,
    });
  }

  /** API calls made so far, per operation (for the benchmark). */
  apiCallCounts(): ApiCallCounts {
    return this.client.apiCallCounts();
  }

  resetApiCallCounts(): void {
    this.client.resetApiCallCounts();
  }

  protected get repo() {
    return { owner: this.owner, repo: this.repository };
  }

  protected get rest() {
    return this.client.octokit.rest;
  }

  protected get fullName(): string {
    return `${this.owner}/${this.repository}`;
  }

  /** Sends a request; an HTTP failure comes back as data for the caller to judge. */
  protected async attempt(send: () => Promise<Answer>): Promise<Attempt> {
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
  protected async call(what: string, send: () => Promise<Answer>): Promise<unknown> {
    const attempt = await this.attempt(send);
    if (!attempt.ok) throw this.failed(what, attempt.failure);
    return attempt.data;
  }

  protected failed(what: string, failure: HttpFailure): Error {
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

/** `<dataDir>/cache/github/<host>/<owner>/<repo>`, each part made a safe directory name. */
function snapshotDirectory(dataDir: string, host: string, owner: string, repo: string): string {
  const safe = (part: string) =>
    part
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, "_")
      .replace(/^\.+/, "_");
  return path.join(dataDir, "cache", "github", safe(host), safe(owner), safe(repo));
}

function webUrlFor(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/api\/v3\/?$/, "")}`;
}

export function onBehalfOf(body: string, person: GitPerson): string {
  return `${body}\n\n_by ${person.name} in Gantry_`;
}

export function isoDate(value: string | undefined): string {
  const time = value === undefined ? Number.NaN : Date.parse(value);
  return Number.isFinite(time) ? new Date(time).toISOString() : new Date(0).toISOString();
}

/** A ref's segments encoded one by one: Enterprise Server does not route %2F inside a path. */
export function refPath(ref: string): string {
  return ref
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

export function assertSha(sha: string): void {
  if (!/^[0-9a-f]{40}$/.test(sha))
    throw githubError("bad_request", `"${sha.slice(0, 80)}" is not a commit SHA`);
}
