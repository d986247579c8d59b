import { readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseTrustedProxies, type TrustedProxies } from "@/lib/http/client-address";

/**
 * Gantry's configuration, read once from the environment and validated.
 * This is the only module that reads `process.env` for settings; everything
 * else asks `getConfig()`. A bad value fails at start with the variable's
 * name and what was expected. Defaults are the embedded ones: no variable is
 * needed to run Gantry on a laptop.
 */

/**
 * The roles a person can hold, weakest first; a person may hold several.
 * Here, at the ground, because GANTRY_OIDC_GROUP_MAP names them.
 */
export const ROLES = ["viewer", "developer", "approver", "admin"] as const;

const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no"], {
    error: "expected true or false",
  })
  .transform((value) => value === "true" || value === "1" || value === "yes");

const port = z.coerce
  .number({ error: "expected a port number" })
  .int("expected a whole number")
  .min(1, "expected a port between 1 and 65535")
  .max(65535, "expected a port between 1 and 65535");

const postgresUrl = z
  .string()
  .refine(
    (value) => /^postgres(ql)?:\/\//.test(value),
    "expected a postgres:// or postgresql:// URL",
  );

const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^\s]+$/.test(value), "expected an http:// or https:// URL");

/** The largest demo catalogue: the demo generator names this many apps and more. */
export const MAX_DEMO_APPS = 100_000;

/** A number setting's value, as written, bounded (it is not a secret; a paste of anything else may be long). */
function shown(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 20 ? `${text.slice(0, 20)}…` : text);
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: postgresUrl.optional(),
  GANTRY_DATA_DIR: z.string().min(1).default(".gantry"),
  GANTRY_EMBEDDED_POSTGRES_PORT: port.default(54329),
  PORT: port.default(3000),
  GANTRY_HOST: z.string().min(1).default("127.0.0.1"),
  GANTRY_METRICS_TOKEN: z
    .string()
    .min(16, "expected at least 16 characters (openssl rand -hex 24)")
    .max(500)
    .optional(),
  GANTRY_METRICS_PORT: port.optional(),
  GANTRY_PUBLIC_URL: httpUrl.optional(),
  GANTRY_GIT_PROVIDER: z.enum(["local", "github"]).default("local"),
  GANTRY_GITOPS_REPO: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, "expected a repository name like 'gitops'")
    .default("gitops"),
  GANTRY_GITOPS_BRANCH: z.string().min(1).default("main"),
  GANTRY_GIT_ANONYMOUS_READ: booleanString.default(false),
  GANTRY_DEMO_SEED: booleanString.default(true),
  GANTRY_DEMO_APPS: z.coerce
    .number({ error: `expected a number of apps from 1 to ${MAX_DEMO_APPS}` })
    .int({ error: (issue) => `expected a whole number of apps, got ${shown(issue.input)}` })
    .min(1, { error: (issue) => `expected at least 1 app, got ${shown(issue.input)}` })
    .max(MAX_DEMO_APPS, {
      error: (issue) => `the demo has at most ${MAX_DEMO_APPS} apps, got ${shown(issue.input)}`,
    })
    .default(420),
  GANTRY_VERSION_PATH: z
    .string()
    .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, "expected a dotted YAML path like image.tag")
    .default("image.tag"),
  GANTRY_LAYOUT_FILE: z
    .string()
    .max(300)
    .regex(
      /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+\.ya?ml$/,
      "expected a .yaml path inside the GitOps repository, like gantry.yaml",
    )
    .default("gantry.yaml"),
  GANTRY_IMPORT_ON_START: booleanString.default(true),
  GANTRY_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  GANTRY_SYNC_STALE_AFTER_SECONDS: z.coerce
    .number({ error: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    .min(10)
    .max(86_400)
    .default(300),
  GANTRY_PAGE_CONCURRENCY: z.coerce
    .number({ error: "expected a number of pages" })
    .int("expected a whole number of pages")
    .min(0, "expected between 0 (no limit) and 64 pages")
    .max(64, "expected between 0 (no limit) and 64 pages")
    .default(2),
  GANTRY_DEMO_FEED: z.enum(["auto", "off"], { error: "expected auto or off" }).default("auto"),
  GANTRY_DEMO_SOAK_SECONDS: z.coerce
    .number({ error: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    .min(0, "expected between 0 and 86400 seconds")
    .max(86_400, "expected between 0 and 86400 seconds")
    .optional(),
  GANTRY_HSTS: booleanString.optional(),
  GANTRY_HSTS_MAX_AGE: z.coerce
    .number({ error: "expected a number of seconds" })
    .int("expected a whole number of seconds")
    .min(0, "expected between 0 and 63072000 seconds (two years)")
    .max(63_072_000, "expected between 0 and 63072000 seconds (two years)")
    .default(31_536_000),
  GANTRY_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((text, ctx): TrustedProxies => {
      try {
        return parseTrustedProxies(text);
      } catch (error) {
        ctx.addIssue({
          code: "custom",
          message: `expected addresses or CIDRs separated by commas: ${error instanceof Error ? error.message : String(error)}`,
        });
        return z.NEVER;
      }
    }),
  ...githubEnv(),
  ...authEnv(),
  ...oidcEnv(),
});

/** Every variable Gantry reads (the README documents each; a test keeps the two in step). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export type GantryConfig = Readonly<{
  nodeEnv: "development" | "production" | "test";
  /** Set when an external Postgres is used; when absent Gantry starts an embedded one. */
  databaseUrl: string | undefined;
  /** Absolute path of the directory holding embedded Postgres data, the local Git repos, caches. */
  dataDir: string;
  embeddedPostgresPort: number;
  port: number;
  hostname: string;
  publicUrl: string;
  /** /metrics: on the main port with this bearer token, and/or without one on its own port. */
  metrics: Readonly<{ token: string | undefined; port: number | undefined }>;
  git: Readonly<{
    provider: "local" | "github";
    repository: string;
    branch: string;
    /** Dotted path of the version inside a values file. */
    versionPath: string;
    /** The layout file (gantry.yaml) in the GitOps repository; when absent, Gantry's own convention. */
    layoutFile: string;
    /** Whether /git serves clones without a token or session (for a credential-less Argo CD or Flux). */
    anonymousRead: boolean;
  }>;
  demo: Readonly<{
    seed: boolean;
    apps: number;
    /** Demo clusters report status by themselves; see `demoFeedEnabled`. */
    feed: "auto" | "off";
    /**
     * The soak of the demo repository's after-healthy environments, written
     * when it is seeded; unset, test soaks 2 minutes and staging 5.
     */
    soakSeconds: number | undefined;
  }>;
  importOnStart: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
  github: GitHubConfig;
  /** A cluster not heard from for longer than this reads as Unknown (stale). */
  syncStaleAfterSeconds: number;
  /** Pages rendered at once by this process, the rest in turn (lib/runtime/page-gate.ts); 0: no limit. */
  pageConcurrency: number;
  auth: AuthConfig;
  /** Single sign-on; undefined when GANTRY_OIDC_ISSUER is unset. */
  oidc: OidcConfig | undefined;
  /**
   * Strict-Transport-Security for every answer; on by default when the
   * public URL is https (GANTRY_HSTS=false turns it off), never for http.
   */
  hsts: Readonly<{ maxAgeSeconds: number }> | null;
  /** Proxies whose X-Forwarded-For is believed (lib/http/client-address.ts); none by default. */
  trustedProxies: TrustedProxies;
}>;

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Parses an environment (process.env by default). Exported for tests. */
/**
 * Without GANTRY_PUBLIC_URL, the address the portal listens on: the URL it
 * prints, the links in its pages and in pull requests all name the same host,
 * so a session cookie set on one is never lost on a click to another
 * (`localhost` and `127.0.0.1` are different sites to a browser).
 */
function defaultPublicUrl(host: string, port: number): string {
  if (host === "0.0.0.0" || host === "::") return `http://localhost:${port}`;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** What parseConfig refuses in `env`, one line per problem naming its variable; none when it parses. */
export function configProblems(env: Record<string, string | undefined>): readonly string[] {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

export function parseConfig(env: Record<string, string | undefined>): GantryConfig {
  // Empty strings mean "unset", as they do in docker-compose and most shells' habits.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path.join(".");
        // Never echo the value: it may be a secret (a URL with a password).
        return `${name}: ${issue.message}`;
      }),
    );
  }
  const e = result.data;
  const publicUrl = (e.GANTRY_PUBLIC_URL ?? defaultPublicUrl(e.GANTRY_HOST, e.PORT)).replace(
    /\/+$/,
    "",
  );
  return {
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.GANTRY_DATA_DIR),
    embeddedPostgresPort: e.GANTRY_EMBEDDED_POSTGRES_PORT,
    port: e.PORT,
    hostname: e.GANTRY_HOST,
    metrics: { token: e.GANTRY_METRICS_TOKEN, port: e.GANTRY_METRICS_PORT },
    publicUrl,
    git: {
      provider: e.GANTRY_GIT_PROVIDER,
      repository: e.GANTRY_GITOPS_REPO,
      branch: e.GANTRY_GITOPS_BRANCH,
      versionPath: e.GANTRY_VERSION_PATH,
      layoutFile: e.GANTRY_LAYOUT_FILE,
      anonymousRead: e.GANTRY_GIT_ANONYMOUS_READ,
    },
    demo: {
      seed: e.GANTRY_DEMO_SEED,
      apps: e.GANTRY_DEMO_APPS,
      feed: e.GANTRY_DEMO_FEED,
      soakSeconds: e.GANTRY_DEMO_SOAK_SECONDS,
    },
    importOnStart: e.GANTRY_IMPORT_ON_START,
    logLevel: e.GANTRY_LOG_LEVEL,
    github: githubConfig(e),
    syncStaleAfterSeconds: e.GANTRY_SYNC_STALE_AFTER_SECONDS,
    pageConcurrency: e.GANTRY_PAGE_CONCURRENCY,
    auth: {
      secret: e.GANTRY_AUTH_SECRET,
      sessionMaxHours: e.GANTRY_SESSION_MAX_HOURS,
      sessionIdleMinutes: e.GANTRY_SESSION_IDLE_MINUTES,
      adminEmail: e.GANTRY_ADMIN_EMAIL,
      adminPassword: e.GANTRY_ADMIN_PASSWORD,
    },
    oidc: oidcConfig(e),
    hsts:
      publicUrl.startsWith("https://") && e.GANTRY_HSTS !== false
        ? { maxAgeSeconds: e.GANTRY_HSTS_MAX_AGE }
        : null,
    trustedProxies: e.GANTRY_TRUSTED_PROXIES,
  };
}

// ---- Sign-in and sessions (lib/people) ----

function authEnv() {
  return {
    GANTRY_AUTH_SECRET: z
      .string()
      .min(32, "expected at least 32 characters (e.g. `openssl rand -base64 32`)")
      .optional(),
    GANTRY_SESSION_MAX_HOURS: z.coerce
      .number({ error: "expected a number of hours" })
      .int("expected a whole number of hours")
      .min(1, "expected between 1 and 720 hours")
      .max(720, "expected between 1 and 720 hours")
      .default(12),
    GANTRY_SESSION_IDLE_MINUTES: z.coerce
      .number({ error: "expected a number of minutes" })
      .int("expected a whole number of minutes")
      .min(5, "expected between 5 and 1440 minutes")
      .max(1440, "expected between 5 and 1440 minutes")
      .default(60),
    GANTRY_ADMIN_EMAIL: z.email("expected an email address").default("admin@gantry.local"),
    GANTRY_ADMIN_PASSWORD: z
      .string()
      .min(12, "expected at least 12 characters")
      .max(128, "expected at most 128 characters")
      .optional(),
  };
}

type AuthConfig = Readonly<{
  /** Signs session cookies. Unset: the embedded default keeps a generated one under the data directory. */
  secret: string | undefined;
  /** A session ends this long after sign-in, however busy. */
  sessionMaxHours: number;
  /** A session ends after this long without a request. */
  sessionIdleMinutes: number;
  /** The first start's admin. */
  adminEmail: string;
  /** The first start's admin password; unset: a random one is printed once. */
  adminPassword: string | undefined;
}>;

// ---- Single sign-on with OpenID Connect (lib/people/oidc.ts) ----

/** What membership of one group grants; a person gets the union over their groups. */
type GroupGrant = Readonly<{
  roles: readonly (typeof ROLES)[number][];
  teams: readonly string[];
  approverEnvironments: readonly string[];
  breakGlass: boolean;
}>;
export type GroupMap = Readonly<Record<string, GroupGrant>>;

// A function, not module constants: EnvSchema (above) is built before they would exist.
function groupMapSchema() {
  const slugList = (what: string) =>
    z.array(z.string().regex(/^(\*|[a-z0-9][a-z0-9-]{0,62})$/, `expected ${what}`)).default([]);
  const grant = z
    .object({
      roles: z.array(z.enum(ROLES, { error: `expected some of ${ROLES.join(", ")}` })).default([]),
      teams: slugList("team slugs like payments"),
      approverEnvironments: slugList("environment names or *"),
      breakGlass: z.boolean({ error: "expected true or false" }).default(false),
    })
    .strict();
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({
          code: "custom",
          message:
            'expected JSON like {"<group>": {"roles": ["developer"], "teams": ["payments"]}}',
        });
        return z.NEVER;
      }
    })
    .pipe(z.record(z.string().min(1), grant, { error: "expected a JSON object" }));
}

function oidcEnv() {
  return {
    GANTRY_OIDC_ISSUER: httpUrl.optional(),
    GANTRY_OIDC_CLIENT_ID: z.string().min(1).optional(),
    GANTRY_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    GANTRY_OIDC_GROUPS_CLAIM: z
      .string()
      .regex(/^[A-Za-z0-9_:./-]{1,200}$/, "expected a claim name like groups")
      .default("groups"),
    GANTRY_OIDC_GROUP_MAP: groupMapSchema().optional(),
    GANTRY_OIDC_SCOPES: z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, "expected scopes separated by spaces")
      .default("openid email profile"),
  };
}

export type OidcConfig = Readonly<{
  /** The issuer; its discovery document is `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The ID-token claim holding the person's groups. */
  groupsClaim: string;
  /** Group → grants; a person in no mapped group is a viewer. */
  groupMap: GroupMap;
  /** Scopes asked for at sign-in (some issuers, e.g. Dex, need `groups`). */
  scopes: readonly string[];
}>;

function oidcConfig(e: z.output<typeof EnvSchema>): OidcConfig | undefined {
  const problems: string[] = [];
  if (!e.GANTRY_OIDC_ISSUER) {
    for (const name of ["GANTRY_OIDC_CLIENT_ID", "GANTRY_OIDC_CLIENT_SECRET"] as const) {
      if (e[name]) problems.push(`${name}: set GANTRY_OIDC_ISSUER too, or leave it unset`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return undefined;
  }
  if (!e.GANTRY_OIDC_CLIENT_ID)
    problems.push("GANTRY_OIDC_CLIENT_ID: required with GANTRY_OIDC_ISSUER");
  if (!e.GANTRY_OIDC_CLIENT_SECRET)
    problems.push("GANTRY_OIDC_CLIENT_SECRET: required with GANTRY_OIDC_ISSUER");
  if (problems.length > 0 || !e.GANTRY_OIDC_CLIENT_ID || !e.GANTRY_OIDC_CLIENT_SECRET) {
    throw new ConfigError(problems);
  }
  return {
    issuer: e.GANTRY_OIDC_ISSUER.replace(/\/+$/, ""),
    clientId: e.GANTRY_OIDC_CLIENT_ID,
    clientSecret: e.GANTRY_OIDC_CLIENT_SECRET,
    groupsClaim: e.GANTRY_OIDC_GROUPS_CLAIM,
    groupMap: e.GANTRY_OIDC_GROUP_MAP ?? {},
    scopes: e.GANTRY_OIDC_SCOPES.split(" "),
  };
}

// ---- GitHub (GANTRY_GIT_PROVIDER=github) ----

function githubEnv() {
  const positive = z.coerce.number({ error: "expected a number" }).int().min(1);
  return {
    GANTRY_GITHUB_OWNER: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, "expected a user or organisation name")
      .optional(),
    GANTRY_GITHUB_REPO: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, "expected a repository name like 'gitops'")
      .optional(),
    GANTRY_GITHUB_API_URL: httpUrl.default("https://api.github.com"),
    GANTRY_GITHUB_TOKEN: z.string().optional(),
    GANTRY_GITHUB_APP_ID: z.string().regex(/^\d+$/, "expected the App's numeric id").optional(),
    GANTRY_GITHUB_APP_PRIVATE_KEY: z.string().optional(),
    GANTRY_GITHUB_APP_PRIVATE_KEY_FILE: z.string().optional(),
    GANTRY_GITHUB_INSTALLATION_ID: positive.optional(),
    GANTRY_GITHUB_WEBHOOK_SECRET: z.string().optional(),
    GANTRY_GITHUB_MERGE_METHOD: z.enum(["merge", "squash"]).default("merge"),
    GANTRY_GITHUB_WRITES_PER_MINUTE: positive.max(1000).default(80),
    GANTRY_GITHUB_WRITES_PER_HOUR: positive.max(50_000).default(500),
  };
}

type GitHubAuthConfig =
  | Readonly<{ type: "token"; token: string }>
  | Readonly<{ type: "app"; appId: string; privateKey: string; installationId: number }>;

type GitHubConfig = Readonly<{
  /** Owner (user or organisation) of the GitOps repository; required for the github provider. */
  owner: string | undefined;
  repository: string;
  /** REST API root: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise. */
  apiUrl: string;
  auth: GitHubAuthConfig | undefined;
  webhookSecret: string | undefined;
  mergeMethod: "merge" | "squash";
  /** Budget for content-creating requests (GitHub's secondary rate limits). */
  writesPerMinute: number;
  writesPerHour: number;
}>;

type GitHubEnv = z.output<typeof EnvSchema>;

function githubConfig(e: GitHubEnv): GitHubConfig {
  const problems: string[] = [];
  const appVariables = [
    e.GANTRY_GITHUB_APP_ID,
    e.GANTRY_GITHUB_APP_PRIVATE_KEY ?? e.GANTRY_GITHUB_APP_PRIVATE_KEY_FILE,
    e.GANTRY_GITHUB_INSTALLATION_ID,
  ];
  let auth: GitHubAuthConfig | undefined;
  if (e.GANTRY_GITHUB_TOKEN) {
    auth = { type: "token", token: e.GANTRY_GITHUB_TOKEN };
  } else if (appVariables.some((value) => value !== undefined)) {
    const privateKey = readPrivateKey(e, problems);
    if (!e.GANTRY_GITHUB_APP_ID)
      problems.push("GANTRY_GITHUB_APP_ID: required for GitHub App authentication");
    if (!e.GANTRY_GITHUB_INSTALLATION_ID)
      problems.push("GANTRY_GITHUB_INSTALLATION_ID: required for GitHub App authentication");
    if (e.GANTRY_GITHUB_APP_ID && e.GANTRY_GITHUB_INSTALLATION_ID && privateKey) {
      auth = {
        type: "app",
        appId: e.GANTRY_GITHUB_APP_ID,
        privateKey,
        installationId: e.GANTRY_GITHUB_INSTALLATION_ID,
      };
    }
  }
  if (e.GANTRY_GIT_PROVIDER === "github") {
    if (!e.GANTRY_GITHUB_OWNER)
      problems.push("GANTRY_GITHUB_OWNER: required when GANTRY_GIT_PROVIDER=github");
    if (!auth && appVariables.every((value) => value === undefined))
      problems.push(
        "GANTRY_GITHUB_TOKEN: required when GANTRY_GIT_PROVIDER=github, unless GANTRY_GITHUB_APP_ID, GANTRY_GITHUB_APP_PRIVATE_KEY (or _FILE) and GANTRY_GITHUB_INSTALLATION_ID are set",
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    owner: e.GANTRY_GITHUB_OWNER,
    repository: e.GANTRY_GITHUB_REPO ?? e.GANTRY_GITOPS_REPO,
    apiUrl: e.GANTRY_GITHUB_API_URL.replace(/\/+$/, ""),
    auth,
    webhookSecret: e.GANTRY_GITHUB_WEBHOOK_SECRET,
    mergeMethod: e.GANTRY_GITHUB_MERGE_METHOD,
    writesPerMinute: e.GANTRY_GITHUB_WRITES_PER_MINUTE,
    writesPerHour: e.GANTRY_GITHUB_WRITES_PER_HOUR,
  };
}

function readPrivateKey(e: GitHubEnv, problems: string[]): string | undefined {
  // Keys pasted into one-line variables carry "\n" for newlines.
  if (e.GANTRY_GITHUB_APP_PRIVATE_KEY) return e.GANTRY_GITHUB_APP_PRIVATE_KEY.replace(/\\n/g, "\n");
  if (e.GANTRY_GITHUB_APP_PRIVATE_KEY_FILE) {
    try {
      return readFileSync(e.GANTRY_GITHUB_APP_PRIVATE_KEY_FILE, "utf8");
    } catch {
      problems.push("GANTRY_GITHUB_APP_PRIVATE_KEY_FILE: the file cannot be read");
      return undefined;
    }
  }
  problems.push(
    "GANTRY_GITHUB_APP_PRIVATE_KEY: required for GitHub App authentication (or GANTRY_GITHUB_APP_PRIVATE_KEY_FILE)",
  );
  return undefined;
}

let cached: GantryConfig | undefined;

/** The process's configuration, parsed on first use. */
export function getConfig(): GantryConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
