import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { hashPassword } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Person } from "@/lib/identity/principal";
import { getAuth } from "@/lib/people/auth-server";
import type { ActionState } from "@/lib/people/authorized-action";
import { createApiToken } from "@/lib/people/create-api-token";
import { createUser } from "@/lib/people/create-user";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { openTrainPullRequest } from "@/lib/trains/open-train-pull-request";
import { requestTrain } from "@/lib/trains/request-train";
import {
  ADA,
  ALICE,
  BOB,
  createPromotionWorld,
  DAN,
  OSCAR,
  type PromotionWorld,
  serveWorld,
  VICKY,
} from "@/test/promotion/support";

/**
 * The permission matrix: every route handler (app/**\/route.ts) and every
 * server action (app/**\/actions.ts) must have an entry below, or this test
 * fails — deny by default holds only if nobody adds an endpoint unnoticed.
 *
 * Each checked entry is called as every caller (signed out, viewer,
 * developer of another team, developer of the app's team, approver of the
 * environment, admin, CI tokens read / write) and must be refused (401/403,
 * or an action's unauthenticated/forbidden refusal) exactly for the callers
 * not in `allowed`. Allowed calls may still fail for other reasons (409,
 * 404, 400); only "not a permission refusal" (and not a 500: the call
 * must really have run) is asserted.
 *
 * People act through their personal API tokens (a bearer token is their
 * principal, as a session would be); one more developer signs in through
 * better-auth's real endpoint and acts with the session cookie. Server actions read the request's
 * headers from next/headers, which is replaced here by the caller's
 * headers: the real authorizedAction and getCurrentPrincipal run, only the
 * Next request scope is simulated (no portal process to start).
 */

const callHeaders = vi.hoisted(() => ({ current: new Headers() }));
// Outside Next there is no cache to revalidate.
vi.mock("next/cache", () => ({ revalidatePath: () => undefined, revalidateTag: () => undefined }));
vi.mock("next/headers", () => ({
  headers: async () => callHeaders.current,
  cookies: async () => ({
    get: () => undefined,
    getAll: () => [],
    has: () => false,
    set: () => undefined,
    delete: () => undefined,
  }),
}));

const CALLERS = [
  "signed_out",
  "viewer",
  "other_team_developer",
  "developer",
  "approver",
  "admin",
  "ci_read",
  "ci_write",
] as const;
type Caller = (typeof CALLERS)[number];

/**
 * Called too, expected like "developer": a developer of the app's team (not
 * the author) signed in with a browser session cookie instead of a token.
 */
const SESSION_CALLER = "developer_by_session";
type AnyCaller = Caller | typeof SESSION_CALLER;

const EVERYONE_SIGNED_IN = CALLERS.filter((caller) => caller !== "signed_out");
const PEOPLE_WHO_READ: Caller[] = EVERYONE_SIGNED_IN;
const PEOPLE: Caller[] = ["viewer", "other_team_developer", "developer", "approver", "admin"];

/** What the entries' requests may refer to, made once in beforeAll. */
interface Fixture {
  /** A prod promotion of app-0 (team payments) asked for by ALICE, its pull request open. */
  promotionId: string;
  application: string;
  environment: string;
  cluster: string;
  /** A person who is none of the callers (DAN), for admin actions on people. */
  spareUserId: string;
  /** DAN's personal token and a spare CI token, to revoke. */
  sparePersonalTokenId: string;
  spareCiTokenId: string;
  /** A release train of app-1 to prod asked for by ALICE, its pull request open. */
  trainId: string;
}

interface RouteCall {
  /** Path parameters, as the folder names say ([id] → id, [...path] → path). */
  params?: Record<string, string | string[]>;
  /** Query string, without `?`. */
  query?: string;
  /** JSON body. */
  body?: unknown;
}

type Entry =
  /** Anyone may call it: say why. */
  | { public: string }
  /** Not Gantry's sign-in: its own credential (cluster token, HMAC). Called as an admin, it must refuse. */
  | { ownAuth: string; request?: (fx: Fixture) => RouteCall }
  /** Gantry's permission checks: who may, and how to call it (route handlers). */
  | { allowed: readonly Caller[]; request: (fx: Fixture) => RouteCall }
  /** Gantry's permission checks: who may, and the form to submit (server actions). */
  | { allowed: readonly Caller[]; form: (fx: Fixture) => Record<string, string | string[]> };

/**
 * THE TABLE. Keys: `METHOD /route/path` for route handlers (the folder path
 * under app/, e.g. `POST /api/v1/promotions/[id]/close`), and
 * `app/<dir>/actions.ts#exportName` for server actions.
 */
const MATRIX: Record<string, Entry> = {
  "GET /api/health": { public: "liveness probes call it without credentials; it says only ok" },
  "GET /api/ready": {
    public:
      "readiness probes call it without credentials; it names failing parts (database, jobs, git), nothing secret",
  },
  "GET /api/auth/[...all]": {
    public: "better-auth's sign-in endpoints: before anyone is signed in",
  },
  "POST /api/auth/[...all]": {
    public: "better-auth's sign-in endpoints: before anyone is signed in",
  },
  "GET /git/[...path]": {
    ownAuth:
      "read-only Git smart HTTP: an API token as the Basic password or a session (test/git/route-auth.test.ts), anonymous only with GANTRY_GIT_ANONYMOUS_READ=true",
  },
  "POST /git/[...path]": {
    ownAuth:
      "git-upload-pack (fetch) is a POST; the same credentials as GET; receive-pack is refused",
  },
  "POST /api/webhooks/github": { ownAuth: "GitHub's HMAC signature (X-Hub-Signature-256)" },
  "POST /api/v1/clusters/[cluster]/reports": {
    ownAuth: "the cluster's own token, not a person's",
    request: (fx) => ({ params: { cluster: fx.cluster }, body: {} }),
  },

  "GET /api/v1/apps": { allowed: PEOPLE_WHO_READ, request: () => ({}) },
  "GET /api/v1/apps/[slug]": {
    allowed: PEOPLE_WHO_READ,
    request: (fx) => ({ params: { slug: fx.application } }),
  },
  "GET /api/v1/apps/[slug]/releases": {
    allowed: PEOPLE_WHO_READ,
    request: (fx) => ({ params: { slug: fx.application } }),
  },
  "POST /api/v1/releases": {
    // Developers of the app's team and admins; CI tokens need releases:write for the team.
    allowed: ["developer", "admin"],
    request: (fx) => ({ body: { app: fx.application, version: "9.9.9-matrix" } }),
  },
  "GET /api/v1/apps/[slug]/rollback": {
    allowed: PEOPLE_WHO_READ,
    request: (fx) => ({
      params: { slug: fx.application },
      query: `environment=${fx.environment}`,
    }),
  },
  "POST /api/v1/apps/[slug]/rollback": {
    // As any promotion request: developers of the app's team, admins, CI tokens with promotions:write.
    allowed: ["developer", "admin", "ci_write"],
    request: (fx) => ({
      params: { slug: fx.application },
      body: { environment: fx.environment, reason: "permission matrix" },
    }),
  },
  "GET /api/v1/apps/[slug]/holds": {
    allowed: PEOPLE_WHO_READ,
    request: (fx) => ({ params: { slug: fx.application } }),
  },
  "POST /api/v1/holds/[id]/release": {
    // Releasing a hold is an approver's call for that environment; never a CI token's.
    allowed: ["approver", "admin"],
    request: () => ({
      params: { id: "00000000-0000-4000-8000-0000000000aa" },
      body: { reason: "permission matrix" },
    }),
  },
  "GET /api/v1/imports": { allowed: PEOPLE_WHO_READ, request: () => ({}) },
  "GET /api/v1/openapi.json": { allowed: PEOPLE_WHO_READ, request: () => ({}) },
  "GET /favicon.ico": {
    public: "the browser asks for it on every page, the sign-in page too: a redirect to the icon",
  },
  "GET /api/v1/promotions": { allowed: PEOPLE_WHO_READ, request: () => ({}) },
  "GET /api/v1/promotions/[id]": {
    allowed: PEOPLE_WHO_READ,
    request: (fx) => ({ params: { id: fx.promotionId } }),
  },
  "GET /api/v1/events": {
    allowed: PEOPLE_WHO_READ,
    request: (fx) => ({ query: `application=${fx.application}` }),
  },
  "GET /api/v1/audit/export": {
    allowed: ["approver", "admin"],
    request: () => ({ query: "format=jsonl" }),
  },
  "POST /api/v1/promotions": {
    allowed: ["developer", "admin", "ci_write"],
    request: (fx) => ({
      body: { app: "app-1", environment: fx.environment, reason: "permission matrix" },
    }),
  },
  "POST /api/v1/trains": {
    allowed: ["developer", "admin", "ci_write"],
    request: (fx) => ({
      body: {
        environment: fx.environment,
        selection: { apps: ["app-2"] },
        reason: "permission matrix",
      },
    }),
  },
  "GET /api/v1/trains/[id]": {
    allowed: PEOPLE_WHO_READ,
    request: (fx) => ({ params: { id: fx.trainId } }),
  },
  "POST /api/v1/promotions/[id]/close": {
    allowed: ["developer", "admin"],
    request: (fx) => ({ params: { id: fx.promotionId }, body: { reason: "permission matrix" } }),
  },
  "POST /api/v1/promotions/[id]/merge": {
    allowed: ["developer", "approver", "admin"],
    request: (fx) => ({ params: { id: fx.promotionId } }),
  },
  "POST /api/v1/promotions/[id]/retry": {
    allowed: ["developer", "admin"],
    request: (fx) => ({ params: { id: fx.promotionId } }),
  },
  "POST /api/v1/promotions/[id]/reviews": {
    // The developer asked for it: four eyes.
    allowed: ["approver", "admin"],
    request: (fx) => ({
      params: { id: fx.promotionId },
      body: { decision: "request_changes", comment: "permission matrix" },
    }),
  },

  "app/sign-in/actions.ts#signInAction": { public: "signing in: before anyone is signed in" },
  "app/sign-in/actions.ts#ssoSignInAction": {
    public: "starts single sign-on at the issuer: before anyone is signed in",
  },
  "app/account/actions.ts#signOutAction": {
    public: "ends whatever session the cookie names, and nothing else",
  },
  "app/account/actions.ts#changePasswordAction": {
    ownAuth: "the session's own person, who must give their current password",
  },

  "app/account/tokens/actions.ts#createPersonalTokenAction": {
    allowed: PEOPLE,
    form: () => ({ name: "matrix personal", scopes: ["promotions:read"] }),
  },
  "app/account/tokens/actions.ts#revokePersonalTokenAction": {
    // Someone else's token reads as not found (404) in the domain: the
    // coarse gate is what differs between callers here.
    allowed: PEOPLE,
    form: (fx) => ({ tokenId: fx.sparePersonalTokenId }),
  },
  "app/admin/actions.ts#createCiTokenAction": {
    allowed: ["admin"],
    form: () => ({ name: "matrix ci", scopes: ["promotions:read"] }),
  },
  "app/admin/actions.ts#revokeCiTokenAction": {
    allowed: ["admin"],
    form: (fx) => ({ tokenId: fx.spareCiTokenId }),
  },
  "app/admin/actions.ts#createUserAction": {
    allowed: ["admin"],
    form: () => ({ email: "matrix-new@example.com", name: "Matrix New", roles: ["viewer"] }),
  },
  "app/admin/actions.ts#updateGrantsAction": {
    allowed: ["admin"],
    form: (fx) => ({ userId: fx.spareUserId, roles: ["developer"], teams: "payments" }),
  },
  "app/admin/actions.ts#disableUserAction": {
    allowed: ["admin"],
    form: (fx) => ({ userId: fx.spareUserId }),
  },
  "app/admin/actions.ts#enableUserAction": {
    allowed: ["admin"],
    form: (fx) => ({ userId: fx.spareUserId }),
  },
  "app/admin/actions.ts#resetPasswordAction": {
    allowed: ["admin"],
    form: (fx) => ({ userId: fx.spareUserId }),
  },
  "app/clusters/actions.ts#registerClusterAction": {
    allowed: ["admin"],
    form: (fx) => ({ name: "matrix-cluster", environment: fx.environment }),
  },
  "app/clusters/actions.ts#rotateClusterTokenAction": {
    allowed: ["admin"],
    form: (fx) => ({ cluster: fx.cluster }),
  },
  "app/clusters/actions.ts#revokeClusterTokenAction": {
    allowed: ["admin"],
    form: (fx) => ({ cluster: fx.cluster }),
  },

  "app/apps/[slug]/rollback/actions.ts#rollBackAction": {
    allowed: ["developer", "admin"],
    form: (fx) => ({
      application: fx.application,
      environment: fx.environment,
      reason: "permission matrix",
    }),
  },
  "app/apps/[slug]/rollback/actions.ts#releaseHoldAction": {
    // Releasing a hold is an approver's call for that environment.
    allowed: ["approver", "admin"],
    form: () => ({ holdId: "00000000-0000-4000-8000-0000000000aa", reason: "permission matrix" }),
  },
  "app/promotions/actions.ts#requestPromotionAction": {
    allowed: ["developer", "admin"],
    form: (fx) => ({
      application: "app-2",
      environment: fx.environment,
      version: "1.1.0",
      reason: "permission matrix",
    }),
  },
  "app/promotions/actions.ts#mergePromotionAction": {
    allowed: ["developer", "approver", "admin"],
    form: (fx) => ({ promotionId: fx.promotionId }),
  },
  "app/promotions/actions.ts#closePromotionAction": {
    allowed: ["developer", "admin"],
    form: (fx) => ({ promotionId: fx.promotionId, reason: "permission matrix" }),
  },
  "app/promotions/actions.ts#retryPromotionAction": {
    allowed: ["developer", "admin"],
    form: (fx) => ({ promotionId: fx.promotionId }),
  },
  "app/promotions/actions.ts#approvePromotionAction": {
    // The developer asked for it: four eyes.
    allowed: ["approver", "admin"],
    form: (fx) => ({ promotionId: fx.promotionId, comment: "permission matrix" }),
  },
  "app/trains/actions.ts#requestTrainAction": {
    allowed: ["developer", "admin"],
    form: (fx) => ({ environment: fx.environment, apps: "app-2", reason: "permission matrix" }),
  },
  "app/trains/actions.ts#approveTrainAction": {
    // The developer asked for it: four eyes.
    allowed: ["approver", "admin"],
    form: (fx) => ({ trainId: fx.trainId }),
  },
  "app/trains/actions.ts#closeTrainAction": {
    allowed: ["developer", "admin"],
    form: (fx) => ({ trainId: fx.trainId, reason: "permission matrix" }),
  },
  "app/trains/actions.ts#mergeTrainAction": {
    allowed: ["developer", "approver", "admin"],
    form: (fx) => ({ trainId: fx.trainId }),
  },
  "app/promotions/actions.ts#requestChangesAction": {
    allowed: ["approver", "admin"],
    form: (fx) => ({ promotionId: fx.promotionId, comment: "permission matrix" }),
  },
};

// ---- discovery -------------------------------------------------------------

const ROOT = path.resolve(import.meta.dirname, "../..");
const APP = path.join(ROOT, "app");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function filesNamed(dir: string, name: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesNamed(full, name);
    return entry.name === name ? [full] : [];
  });
}

/** Names a module exports: `export const|function|async function X`, `export const { X, Y }`, `export { X, Y as Z }`. */
function exportedNames(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(
    /export\s+(?:const|let|async\s+function|function)\s+(\w+)/g,
  )) {
    names.add(match[1] ?? "");
  }
  for (const match of source.matchAll(/export\s+(?:const\s+)?\{([^}]*)\}/g)) {
    for (const item of (match[1] ?? "").split(",")) {
      const name = item
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name) names.add(name);
    }
  }
  names.delete("");
  return [...names];
}

interface Endpoint {
  key: string;
  file: string;
  exportName: string;
  kind: "route" | "action";
}

function discover(): Endpoint[] {
  const routes = filesNamed(APP, "route.ts").flatMap((file) => {
    const dir = path.relative(APP, path.dirname(file)).split(path.sep);
    // Route groups "(name)" do not appear in the URL.
    const urlPath = `/${dir.filter((part) => !/^\(.*\)$/.test(part)).join("/")}`;
    return exportedNames(fs.readFileSync(file, "utf8"))
      .filter((name): name is (typeof METHODS)[number] =>
        (METHODS as readonly string[]).includes(name),
      )
      .map((method) => ({
        key: `${method} ${urlPath}`,
        file,
        exportName: method,
        kind: "route" as const,
      }));
  });
  const actions = filesNamed(APP, "actions.ts").flatMap((file) =>
    exportedNames(fs.readFileSync(file, "utf8")).map((name) => ({
      key: `${path.relative(ROOT, file).split(path.sep).join("/")}#${name}`,
      file,
      exportName: name,
      kind: "action" as const,
    })),
  );
  return [...routes, ...actions];
}

// ---- calling ---------------------------------------------------------------

type RouteHandler = (
  request: Request,
  context: { params: Promise<Record<string, string | string[]>> },
) => Promise<Response>;
type ServerAction = (state: ActionState, formData: FormData) => Promise<ActionState>;

interface Outcome {
  refused: boolean;
  /** Status or action outcome, for the failure message. */
  said: string;
  /** The call did not really run (500 / unexpected error). */
  broken: boolean;
}

const PUBLIC_URL = "https://gantry.example.com";

/** How a caller proves who they are: a bearer token, a session cookie, or nothing. */
type Credential = { bearer: string } | { cookie: string } | null;

function headersFor(credential: Credential, json: boolean): Headers {
  const headers = new Headers({ origin: PUBLIC_URL, "x-gantry-client-address": "203.0.113.7" });
  if (json) headers.set("content-type", "application/json");
  if (credential && "bearer" in credential) {
    headers.set("authorization", `Bearer ${credential.bearer}`);
  }
  if (credential && "cookie" in credential) headers.set("cookie", credential.cookie);
  return headers;
}

async function callRoute(
  handler: RouteHandler,
  urlPath: string,
  method: string,
  call: RouteCall,
  credential: Credential,
): Promise<Outcome> {
  const params = call.params ?? {};
  const concrete = urlPath.replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, name: string) => {
    const value = params[name];
    return Array.isArray(value) ? value.join("/") : (value ?? name);
  });
  const request = new Request(`${PUBLIC_URL}${concrete}${call.query ? `?${call.query}` : ""}`, {
    method,
    headers: headersFor(credential, call.body !== undefined),
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const response = await handler(request, { params: Promise.resolve(params) });
  let said = String(response.status);
  if (!response.ok && response.headers.get("content-type")?.includes("json")) {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) said += ` ${body.error.message}`;
  } else {
    await response.body?.cancel();
  }
  return {
    refused: response.status === 401 || response.status === 403,
    said,
    broken: response.status >= 500,
  };
}

function isNextRedirect(error: unknown): boolean {
  return (
    error instanceof Error &&
    "digest" in error &&
    typeof error.digest === "string" &&
    error.digest.startsWith("NEXT_REDIRECT")
  );
}

async function callAction(
  action: ServerAction,
  form: Record<string, string | string[]>,
  credential: Credential,
): Promise<Outcome> {
  callHeaders.current = headersFor(credential, false);
  const formData = new FormData();
  for (const [name, value] of Object.entries(form)) {
    for (const item of Array.isArray(value) ? value : [value]) formData.append(name, item);
  }
  try {
    const state = await action({ error: null }, formData);
    return {
      refused: state.code === "unauthenticated" || state.code === "forbidden",
      said: `${state.code ?? "ok"} ${state.error ?? ""}`.trim(),
      broken: state.code === undefined && state.error !== null && /error id/.test(state.error),
    };
  } catch (error) {
    if (isNextRedirect(error)) return { refused: false, said: "redirect", broken: false };
    throw error;
  }
}

/** Signs in through better-auth's real endpoint and returns the session cookie it sets. */
async function sessionCookie(email: string, password: string): Promise<string> {
  const response = await getAuth().handler(
    new Request(`${PUBLIC_URL}/api/auth/sign-in/email`, {
      method: "POST",
      headers: headersFor(null, true),
      body: JSON.stringify({ email, password }),
    }),
  );
  const cookie = response.headers
    .getSetCookie()
    .find((c) => /^(__Host-)?gantry\.session=/.test(c))
    ?.split(";")[0];
  if (!cookie) throw new Error(`signing in as ${email} set no session cookie (${response.status})`);
  return cookie;
}

/**
 * A person of the test world (their User row exists) signed in with a
 * password: people act through sessions, as in the browser. Personal API
 * tokens narrow a person to the token's scopes and never administer, so they
 * would not show what the person may do.
 */
async function signedIn(world: PromotionWorld, person: Person): Promise<Credential> {
  const password = `matrix-${randomBytes(12).toString("hex")}`;
  await world.db.account.create({
    data: {
      id: randomBytes(16).toString("hex"),
      accountId: person.id,
      providerId: "credential",
      userId: person.id,
      password: await hashPassword(password),
    },
  });
  return { cookie: await sessionCookie(person.email, password) };
}

/** A developer of team payments made with createUser and signed in: the session cookie it sets. */
async function signedInDeveloper(world: PromotionWorld): Promise<string> {
  const password = `matrix-${randomBytes(12).toString("hex")}`;
  await createUser({
    db: world.db,
    acting: "system",
    email: "sam@example.com",
    name: "Sam Session",
    password,
    roles: ["developer"],
    teams: ["payments"],
    // A chosen password, not a one-time one: with a one-time password the API refuses.
    mustChangePassword: false,
  });
  return sessionCookie("sam@example.com", password);
}

// ---- the test --------------------------------------------------------------

describe("permission matrix", () => {
  const endpoints = discover();

  it("finds the endpoints it checks (the scan itself works)", () => {
    const keys = endpoints.map((e) => e.key);
    expect(keys).toContain("POST /api/v1/promotions");
    expect(keys).toContain("app/promotions/actions.ts#mergePromotionAction");
    expect(keys).toContain("POST /api/auth/[...all]");
  });

  it("has an entry for every route handler and server action (deny by default), and none stale", () => {
    const keys = new Set(endpoints.map((e) => e.key));
    const missing = [...keys].filter((key) => !(key in MATRIX)).sort();
    const stale = Object.keys(MATRIX)
      .filter((key) => !keys.has(key))
      .sort();
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it("has every page behind requirePerson(), except the pages listed as public", () => {
    const PUBLIC_PAGES: Record<string, string> = {
      "app/sign-in/page.tsx": "signing in: before anyone is signed in",
    };
    const unguarded = filesNamed(APP, "page.tsx")
      .map((file) => path.relative(ROOT, file).split(path.sep).join("/"))
      .filter((file) => !(file in PUBLIC_PAGES))
      .filter((file) => !/\brequirePerson\(/.test(fs.readFileSync(path.join(ROOT, file), "utf8")))
      .sort();
    expect(unguarded).toEqual([]);
  });

  describe("against real Postgres and Git", () => {
    let w: PromotionWorld;
    let unserve: (() => Promise<void>) | undefined;
    let fx: Fixture;
    const credentials = new Map<AnyCaller, Credential>();

    beforeAll(async () => {
      w = await createPromotionWorld({ apps: 3 });
      unserve = serveWorld(w);
      const ci = async (scopes: string[]) =>
        (
          await createApiToken({
            db: w.db,
            acting: "system",
            kind: "ci",
            name: `matrix ci ${scopes.length}`,
            scopes,
          })
        ).token;
      const bearer = (token: string): Credential => ({ bearer: token });
      credentials.set("signed_out", null);
      credentials.set("viewer", await signedIn(w, VICKY));
      credentials.set("other_team_developer", await signedIn(w, OSCAR));
      credentials.set("developer", await signedIn(w, ALICE));
      credentials.set("approver", await signedIn(w, BOB));
      credentials.set("admin", await signedIn(w, ADA));
      credentials.set("ci_read", bearer(await ci(["promotions:read"])));
      credentials.set("ci_write", bearer(await ci(["promotions:read", "promotions:write"])));
      credentials.set(SESSION_CALLER, { cookie: await signedInDeveloper(w) });

      const { promotion } = await requestPromotion({
        ctx: w.ctx,
        principal: ALICE,
        application: "app-0",
        environment: "prod",
        reason: "permission matrix",
      });
      await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
      const train = await requestTrain({
        ctx: { ...w.ctx, trainJobs: { enqueueOpenTrainPullRequest: async () => undefined } },
        principal: ALICE,
        input: { environment: "prod", selection: { apps: ["app-1"] }, reason: "permission matrix" },
      });
      await openTrainPullRequest({ ctx: w.ctx, trainId: train.trainId });
      const cluster = await w.db.cluster.findFirstOrThrow({ select: { name: true } });
      const spareCi = await createApiToken({
        db: w.db,
        acting: "system",
        kind: "ci",
        name: "matrix spare",
      });
      const sparePersonal = await createApiToken({
        db: w.db,
        acting: DAN,
        kind: "personal",
        name: "matrix spare",
      });
      fx = {
        promotionId: promotion.id,
        application: "app-0",
        environment: "prod",
        cluster: cluster.name,
        spareUserId: DAN.id,
        sparePersonalTokenId: sparePersonal.id,
        spareCiTokenId: spareCi.id,
        trainId: train.trainId,
      };
    });
    afterAll(async () => {
      await unserve?.();
      await w?.close();
    });

    const checked = endpoints.filter((e) => {
      const entry = MATRIX[e.key];
      return entry !== undefined && "allowed" in entry;
    });

    it.each(checked.map((e) => [e.key, e] as const))("%s", async (_key, endpoint) => {
      const entry = MATRIX[endpoint.key];
      if (!entry || !("allowed" in entry)) throw new Error(`no checked entry for ${endpoint.key}`);
      const module = (await import(endpoint.file)) as Record<string, unknown>;
      const target = module[endpoint.exportName];
      expect(typeof target, `${endpoint.key} is a function`).toBe("function");
      const results: Record<string, string> = {};
      const expected: Record<string, string> = {};
      for (const caller of [...CALLERS, SESSION_CALLER] as const) {
        const credential = credentials.get(caller) ?? null;
        const outcome =
          "form" in entry
            ? await callAction(target as ServerAction, entry.form(fx), credential)
            : await callRoute(
                target as RouteHandler,
                endpoint.key.slice(endpoint.key.indexOf(" ") + 1),
                endpoint.exportName,
                entry.request(fx),
                credential,
              );
        const allowed = entry.allowed.includes(caller === SESSION_CALLER ? "developer" : caller);
        results[caller] = outcome.refused ? "refused" : outcome.broken ? "BROKEN" : "allowed";
        expected[caller] = allowed ? "allowed" : "refused";
        if (results[caller] !== expected[caller]) results[caller] += ` (${outcome.said})`;
      }
      expect(results).toEqual(expected);
    });

    const ownAuth = endpoints.filter((e) => {
      const entry = MATRIX[e.key];
      return entry !== undefined && "ownAuth" in entry && entry.request !== undefined;
    });

    it.each(ownAuth.map((e) => [e.key, e] as const))(
      "%s does not take a Gantry admin's token for its own credential",
      async (_key, endpoint) => {
        const entry = MATRIX[endpoint.key];
        if (!entry || !("ownAuth" in entry) || !entry.request) throw new Error("no request");
        const module = (await import(endpoint.file)) as Record<string, unknown>;
        const outcome = await callRoute(
          module[endpoint.exportName] as RouteHandler,
          endpoint.key.slice(endpoint.key.indexOf(" ") + 1),
          endpoint.exportName,
          entry.request(fx),
          credentials.get("admin") ?? null,
        );
        expect(outcome.refused, outcome.said).toBe(true);
      },
    );
  });
});
