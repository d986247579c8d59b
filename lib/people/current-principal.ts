import { headers as nextHeaders } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { type GantryConfig, getConfig } from "@/lib/config";
import { getAuthDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { authenticateApiToken, bearerToken } from "@/lib/identity/api-token";
import type { Person, Principal } from "@/lib/identity/principal";
import { PATH_HEADER } from "@/lib/identity/request-path";
import { type Auth, getAuth } from "@/lib/people/auth-server";
import { safeNextPath } from "@/lib/people/safe-next-path";
import { type CachedSignIn, SessionCache, signInCache } from "@/lib/people/session-cache";

/**
 * Who a request acts as. `Authorization: Bearer gantry_…` → the API token
 * (a personal token is its owner; a CI token is itself); otherwise the
 * session cookie → the signed-in person, built from the User row (kept a
 * few seconds per process, and forgotten whenever this process changes a
 * person or a session: a change of role or a disabled account takes effect
 * at once here, within seconds elsewhere; see session-cache.ts).
 * Null when signed out. A bad bearer token is refused (unauthenticated), not
 * treated as signed out.
 */

/** The session's last request is written at most this often, not on every request. */
const ACTIVITY_RESOLUTION_MS = 60_000;

const PERSON_SELECT = {
  id: true,
  name: true,
  email: true,
  roles: true,
  teams: true,
  approverEnvironments: true,
  breakGlass: true,
  gitLogin: true,
  disabledAt: true,
  mustChangePassword: true,
} as const;

export interface SignedInPerson {
  person: Person;
  mustChangePassword: boolean;
}

/** The core, for tests and for both entry points below. */
export async function principalFromHeaders(params: {
  auth: Auth;
  db: PrismaClient;
  config: GantryConfig;
  headers: Headers;
  now?: Date;
  /** False: a check that is not the person's activity (it does not hold off the idle end). */
  touch?: boolean;
  cache?: SessionCache<CachedSignIn>;
}): Promise<Principal | null> {
  const token = bearerToken(params.headers);
  if (token !== null) return authenticateApiToken({ db: params.db, token, now: params.now });
  const signedIn = await personFromSession(params);
  if (signedIn?.mustChangePassword) {
    // Pages send them to /account/password (requirePerson); the API and forms refuse
    // until then, so a one-time password cannot be used for anything else.
    throw new GantryError(
      "forbidden",
      "change your one-time password first, at /account/password",
      { details: { mustChangePassword: true } },
    );
  }
  return signedIn?.person ?? null;
}

/**
 * The person of the session cookie, or null: no cookie, an unknown or ended
 * session, idle longer than GANTRY_SESSION_IDLE_MINUTES, older than
 * GANTRY_SESSION_MAX_HOURS, or a disabled account. An ended session is
 * deleted on the spot.
 */
export async function personFromSession(params: {
  auth: Auth;
  db: PrismaClient;
  config: GantryConfig;
  headers: Headers;
  now?: Date;
  touch?: boolean;
  /** The process's cache of sessions (the app's entry points pass it; see session-cache.ts). */
  cache?: SessionCache<CachedSignIn>;
}): Promise<SignedInPerson | null> {
  const key = params.cache ? await cacheKey(params.auth, params.headers) : null;
  const cached = key ? (params.cache?.get(key) ?? null) : null;
  const found = cached ?? (await readSignIn(params, key));
  if (!found) return null;
  const { session } = found;
  const now = params.now ?? new Date();
  const idleMs = params.config.auth.sessionIdleMinutes * 60_000;
  const maxMs = params.config.auth.sessionMaxHours * 3_600_000;
  const lastActive = session.updatedAt.getTime();
  const created = session.createdAt.getTime();
  if (
    now.getTime() - lastActive > idleMs ||
    now.getTime() - created > maxMs ||
    session.expiresAt.getTime() <= now.getTime()
  ) {
    if (key) params.cache?.delete(key);
    await params.db.session.deleteMany({ where: { id: session.id } });
    return null;
  }
  if (params.touch !== false && now.getTime() - lastActive > ACTIVITY_RESOLUTION_MS) {
    await params.db.session.updateMany({ where: { id: session.id }, data: { updatedAt: now } });
    if (key)
      params.cache?.update(key, (entry) => ({ ...entry, session: { ...session, updatedAt: now } }));
  }
  return { person: found.person, mustChangePassword: found.mustChangePassword };
}

/** The signed session cookie's value, hashed; null without one. */
async function cacheKey(auth: Auth, headers: Headers): Promise<string | null> {
  const name = (await auth.$context).authCookies.sessionToken.name;
  for (const part of headers.get("cookie")?.split(";") ?? []) {
    const [cookie, ...value] = part.trim().split("=");
    if (cookie === name && value.length > 0) return SessionCache.keyOf(value.join("="));
  }
  return null;
}

/**
 * The session (better-auth checks the cookie's signature and finds it) and
 * its person; a disabled person's sessions are deleted on the spot. Stored
 * in the cache under `key` when there is one.
 */
async function readSignIn(
  params: { auth: Auth; db: PrismaClient; headers: Headers; cache?: SessionCache<CachedSignIn> },
  key: string | null,
): Promise<CachedSignIn | null> {
  const readStartedAt = params.cache?.startRead() ?? 0;
  const found = await params.auth.api.getSession({
    headers: params.headers,
    query: { disableRefresh: true, disableCookieCache: true },
  });
  if (!found) return null;
  const user = await params.db.user.findUnique({
    where: { id: found.session.userId },
    select: PERSON_SELECT,
  });
  if (!user || user.disabledAt) {
    await params.db.session.deleteMany({ where: { userId: found.session.userId } });
    return null;
  }
  const signIn: CachedSignIn = {
    session: {
      id: found.session.id,
      userId: found.session.userId,
      createdAt: new Date(found.session.createdAt),
      updatedAt: new Date(found.session.updatedAt),
      expiresAt: new Date(found.session.expiresAt),
    },
    person: {
      kind: "person",
      id: user.id,
      name: user.name,
      email: user.email,
      roles: user.roles,
      teams: user.teams,
      approverEnvironments: user.approverEnvironments,
      breakGlass: user.breakGlass,
      gitLogin: user.gitLogin,
    },
    mustChangePassword: user.mustChangePassword,
  };
  if (key) params.cache?.set(key, signIn, readStartedAt);
  return signIn;
}

function appDeps() {
  return { auth: getAuth(), db: getAuthDb(), config: getConfig(), cache: signInCache() };
}

/** Server components and server actions: one lookup per render. */
const principalOfThisRequest = cache(async (): Promise<Principal | null> => {
  return principalFromHeaders({ ...appDeps(), headers: await nextHeaders() });
});

const sessionOfThisRequest = cache(async (): Promise<SignedInPerson | null> => {
  return personFromSession({ ...appDeps(), headers: await nextHeaders() });
});

/**
 * Who the request acts as: `request` in route handlers; without it, the
 * current server component's or server action's request.
 */
export async function getCurrentPrincipal(
  request?: Request,
  options: { touch?: boolean } = {},
): Promise<Principal | null> {
  if (request) {
    return principalFromHeaders({ ...appDeps(), headers: request.headers, touch: options.touch });
  }
  return principalOfThisRequest();
}

/** The signed-in person of this page, if any (no redirect): headers, sign-in page. */
export async function getSignedInPerson(): Promise<SignedInPerson | null> {
  return sessionOfThisRequest();
}

/**
 * For pages: the signed-in person, or a redirect to /sign-in?next=… when
 * signed out, or to /account/password while their password must be changed.
 */
export async function requirePerson(nextPath?: string): Promise<Person> {
  const signedIn = await sessionOfThisRequest();
  if (!signedIn) {
    const path = safeNextPath(nextPath ?? (await nextHeaders()).get(PATH_HEADER));
    redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  }
  if (signedIn.mustChangePassword && nextPath !== "/account/password") {
    redirect("/account/password");
  }
  return signedIn.person;
}
