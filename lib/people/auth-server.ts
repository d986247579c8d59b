/*
 * lib/people owns people and how they get in: users, API tokens, sign-in and sessions (better-
 * auth, single sign-on), the first admin, and the wrappers that put a route or a form behind a
 * permission.
 */

import { rm } from "node:fs/promises";
import path from "node:path";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import { nextCookies } from "better-auth/next-js";
import { type GantryConfig, getConfig } from "@/lib/config";
import { getAuthDb } from "@/lib/db";
import { httpStatusFor, isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";
import { requestContextFrom } from "@/lib/http/request-context";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { log } from "@/lib/log";
import { auditAlone } from "@/lib/people/audit-alone";
import { readAuthSecret } from "@/lib/people/auth-secret";
import { FIRST_ADMIN_PASSWORD_FILE } from "@/lib/people/bootstrap-admin";
import { oidcPlugins } from "@/lib/people/oidc";
import { boundedPersonName, renameUser } from "@/lib/people/rename-user";
import { forgetSignedInPeople } from "@/lib/people/session-cache";
import {
  clearSignInFailures,
  findLockout,
  isKnownDevice,
  KNOWN_DEVICE_MAX_AGE_SECONDS,
  knownDeviceValue,
  lockoutMessage,
  normaliseEmail,
  recordSignInFailure,
  UNKNOWN_ADDRESS,
} from "@/lib/people/sign-in-lockout";

/**
 * Sign-in and sessions, by better-auth on Gantry's Postgres (Session,
 * Account, Verification, RateLimit tables).
 *
 * - Local passwords: better-auth's scrypt hasher, 12 to 128 characters;
 *   nobody signs themselves up (accounts come from admins, the first start
 *   or single sign-on).
 * - Sessions end GANTRY_SESSION_MAX_HOURS after sign-in (expiresAt is set
 *   once and never extended) and after GANTRY_SESSION_IDLE_MINUTES without a
 *   request (checked where the session is read: lib/people/current-principal.ts).
 * - The cookie is HttpOnly, SameSite=Lax, Secure with the `__Host-` prefix
 *   unless the public URL is plain http on localhost.
 * - Password sign-ins slow down after repeated failures, except on a
 *   browser that signed in to the account before (lib/people/sign-in-lockout.ts),
 *   checked before the password is verified.
 * - Sign-ins, failures and sign-outs are audit events.
 */

const AUTH_BASE_PATH = "/api/auth";

/** Cookies go without Secure only on a plain-http localhost, where browsers would drop them. */
function cookiesAreSecure(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  if (url.protocol === "https:") return true;
  return !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}

function addressOf(headers: Headers | undefined): string {
  return (headers && requestContextFrom(headers).sourceAddress) ?? UNKNOWN_ADDRESS;
}

function cookieValue(headers: Headers | undefined, name: string): string | null {
  for (const part of headers?.get("cookie")?.split(";") ?? []) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return null;
}

function emailOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("email" in body)) return null;
  return typeof body.email === "string" ? normaliseEmail(body.email) : null;
}

/** A GantryError as better-auth's error, so its handler answers with our status and words. */
function asApiError(error: unknown): unknown {
  if (!isGantryError(error)) return error;
  const status = httpStatusFor(error.code);
  const name =
    status === 400
      ? "BAD_REQUEST"
      : status === 403
        ? "FORBIDDEN"
        : status === 404
          ? "NOT_FOUND"
          : status === 401
            ? "UNAUTHORIZED"
            : "INTERNAL_SERVER_ERROR";
  return new APIError(name, { code: error.code.toUpperCase(), message: error.message });
}

/** Whether an answer has a `token` at its top, in its `session`, or in a listed item. */
function carriesToken(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(carriesToken);
  if (typeof value !== "object" || value === null) return false;
  return "token" in value || ("session" in value && carriesToken(value.session));
}

function withoutToken(value: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "token")
      .map(([key, inner]: [string, unknown]) => [
        key,
        key === "session" && typeof inner === "object" && inner !== null
          ? withoutToken(inner)
          : inner,
      ]),
  );
}

function withoutTokens(value: object): Record<string, unknown> | Record<string, unknown>[] {
  if (!Array.isArray(value)) return withoutToken(value);
  return value.map((item: unknown) =>
    typeof item === "object" && item !== null ? withoutToken(item) : {},
  );
}

function personActor(user: { id: string; name: string; email: string }) {
  return { kind: "person" as const, id: user.id, name: user.name, email: user.email };
}

export function createAuth(params: { db: PrismaClient; config: GantryConfig; secret: string }) {
  const { db, config } = params;
  const secure = cookiesAreSecure(config.publicUrl);
  const cookiePrefix = secure ? "__Host-gantry" : "gantry";
  const knownDeviceCookie = `${cookiePrefix}.known-device`;

  const before = createAuthMiddleware(async (ctx) => {
    if (ctx.path === "/sign-in/email") {
      const email = emailOf(ctx.body);
      if (!email) return;
      const address = addressOf(ctx.headers);
      const knownDevice = isKnownDevice(
        params.secret,
        email,
        cookieValue(ctx.headers, knownDeviceCookie),
      );
      const lockout = await findLockout({ db, email, address, knownDevice });
      if (lockout) {
        const user = await db.user.findUnique({
          where: { email },
          select: { id: true, name: true, email: true },
        });
        await auditAlone(db, {
          actor: user ? personActor(user) : GANTRY_ACTOR,
          action: "session.sign_in_failed",
          outcome: "denied",
          target: { type: "session", id: user?.id ?? null },
          detail: { reason: `locked_out_by_${lockout.by}`, ...(user ? { email } : {}) },
          sourceAddress: address === UNKNOWN_ADDRESS ? null : address,
        });
        throw new APIError("TOO_MANY_REQUESTS", {
          code: "TOO_MANY_FAILED_SIGN_INS",
          message: lockoutMessage(lockout),
        });
      }
    }
    if (ctx.path === "/update-user") {
      // Gantry's own rename (bounded, audited, refused for single sign-on) instead of
      // better-auth's, which takes any length and an image URL and records nothing.
      const signedIn = await getSessionFromCtx(ctx);
      if (!signedIn) return; // better-auth answers 401
      try {
        await renameUser({ db, acting: signedIn.user, input: ctx.body });
      } catch (error) {
        throw asApiError(error);
      }
      return ctx.json({ status: true });
    }
    if (ctx.path === "/sign-out") {
      const token = await ctx.getSignedCookie(
        ctx.context.authCookies.sessionToken.name,
        ctx.context.secret,
      );
      const found = token ? await ctx.context.internalAdapter.findSession(token) : null;
      if (found) {
        await auditAlone(db, {
          actor: personActor(found.user),
          action: "session.signed_out",
          target: { type: "session", id: found.user.id },
          sourceAddress: addressOf(ctx.headers) === UNKNOWN_ADDRESS ? null : addressOf(ctx.headers),
        });
      }
    }
  });

  const after = createAuthMiddleware(async (ctx) => {
    // Whatever else better-auth did (sign-out, a new password, revoked sessions) may end a
    // session or change a person: this process stops answering from its cache of sessions.
    if (ctx.path !== "/get-session") forgetSignedInPeople();
    const returned: unknown = ctx.context.returned;
    const failed = returned instanceof APIError || returned instanceof Error;
    await recordAfter(ctx, returned, failed);
    // The cookie is HttpOnly so scripts cannot read the session token; the JSON answers
    // (get-session, list-sessions, sign-in, change-password) must not hand it over either.
    if (
      !failed &&
      typeof returned === "object" &&
      returned !== null &&
      !(returned instanceof Response) &&
      carriesToken(returned)
    ) {
      return ctx.json(withoutTokens(returned));
    }
  });

  const recordAfter = async (
    ctx: Parameters<Parameters<typeof createAuthMiddleware>[0]>[0],
    returned: unknown,
    failed: boolean,
  ) => {
    if (ctx.path === "/sign-in/email") {
      const email = emailOf(ctx.body);
      if (!email) return;
      const address = addressOf(ctx.headers);
      const sourceAddress = address === UNKNOWN_ADDRESS ? null : address;
      if (failed) {
        const status = returned instanceof APIError ? returned.statusCode : 500;
        // Only wrong credentials count towards the lockout (not a disabled account or a lockout).
        if (status !== 401) return;
        await recordSignInFailure({ db, email, address });
        const user = await db.user.findUnique({
          where: { email },
          select: { id: true, name: true, email: true },
        });
        await auditAlone(db, {
          actor: user ? personActor(user) : GANTRY_ACTOR,
          action: "session.sign_in_failed",
          outcome: "failure",
          target: { type: "session", id: user?.id ?? null },
          detail: user ? { reason: "wrong_password", email } : { reason: "unknown_email" },
          sourceAddress,
        });
        return;
      }
      const created = ctx.context.newSession;
      if (!created) return;
      // A sign-in always starts a new session; the one the browser held before (if any) ends.
      const previous = await ctx.getSignedCookie(
        ctx.context.authCookies.sessionToken.name,
        ctx.context.secret,
      );
      if (previous && previous !== created.session.token) {
        await ctx.context.internalAdapter.deleteSession(previous);
      }
      await clearSignInFailures({ db, email });
      // This browser is now known for this account: the per-account delay never holds it back.
      ctx.setCookie(knownDeviceCookie, knownDeviceValue(params.secret, email), {
        httpOnly: true,
        secure,
        sameSite: "lax",
        path: "/",
        maxAge: KNOWN_DEVICE_MAX_AGE_SECONDS,
      });
      await db.user.update({ where: { id: created.user.id }, data: { lastSignInAt: new Date() } });
      await auditAlone(db, {
        actor: personActor(created.user),
        action: "session.signed_in",
        target: { type: "session", id: created.user.id },
        detail: { method: "password" },
        sourceAddress,
      });
      return;
    }
    if (ctx.path === "/change-password" && !failed && ctx.context.session) {
      const user = ctx.context.session.user;
      await db.user.update({ where: { id: user.id }, data: { mustChangePassword: false } });
      if (normaliseEmail(user.email) === normaliseEmail(config.auth.adminEmail)) {
        // The first start's one-time password (scripts/start.ts) is of no use now: not kept on disk.
        await rm(path.join(config.dataDir, FIRST_ADMIN_PASSWORD_FILE), { force: true });
      }
      await auditAlone(db, {
        actor: personActor(user),
        action: "user.password_changed",
        target: { type: "user", id: user.id },
      });
    }
  };

  return betterAuth({
    appName: "Gantry",
    baseURL: config.publicUrl,
    basePath: AUTH_BASE_PATH,
    secret: params.secret,
    database: prismaAdapter(db, { provider: "postgresql" }),
    // The public URL, and the address the request came to (a portal reached as 127.0.0.1 and as localhost).
    trustedOrigins: async (request) => {
      const origins = [new URL(config.publicUrl).origin];
      const host = request?.headers.get("host");
      if (host) origins.push(`${new URL(config.publicUrl).protocol}//${host}`);
      return origins;
    },
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: 12,
      maxPasswordLength: 128,
      revokeSessionsOnPasswordReset: true,
    },
    session: {
      expiresIn: config.auth.sessionMaxHours * 3600,
      // Never extended: the absolute bound. The idle bound is Gantry's (current-principal.ts).
      disableSessionRefresh: true,
      cookieCache: { enabled: false },
    },
    rateLimit: {
      enabled: true,
      storage: "database",
      window: 60,
      max: 100,
      customRules: {
        "/sign-in/email": { window: 60, max: 10 },
        "/change-password": { window: 60, max: 10 },
      },
    },
    advanced: {
      useSecureCookies: false,
      cookiePrefix,
      cookies: { session_token: { name: secure ? "__Host-gantry.session" : "gantry.session" } },
      defaultCookieAttributes: { secure, httpOnly: true, sameSite: "lax", path: "/" },
      // The address Gantry's server resolved (socket, then trusted proxies only).
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    databaseHooks: {
      // Names the issuer sends at single sign-on are bounded like typed ones (rename-user.ts).
      user: {
        create: {
          before: async (user) => ({ data: { ...user, name: boundedPersonName(user.name) } }),
        },
        update: {
          before: async (user) =>
            typeof user.name === "string"
              ? { data: { ...user, name: boundedPersonName(user.name) } }
              : undefined,
        },
      },
      session: {
        create: {
          // Every way in (password or single sign-on) ends here: a disabled person gets no session.
          before: async (session) => {
            const user = await db.user.findUnique({
              where: { id: session.userId },
              select: { disabledAt: true },
            });
            if (!user || user.disabledAt) {
              throw new APIError("FORBIDDEN", {
                code: "ACCOUNT_DISABLED",
                message: "this account is disabled; ask an admin",
              });
            }
          },
        },
      },
    },
    hooks: { before, after },
    // Single sign-on (lib/people/oidc.ts) adds its plugins here, before nextCookies.
    // nextCookies must stay last: it copies Set-Cookie into server actions' responses.
    plugins: [...oidcPlugins({ db, oidc: config.oidc }), nextCookies()],
    logger: {
      log: (level, message) => {
        // better-auth's own messages ("Invalid password"): never a secret, but no detail either.
        if (level === "error") log.error(`auth: ${message}`);
        else if (level === "warn") log.warn(`auth: ${message}`);
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

declare global {
  var gantryAuth: Auth | undefined;
}

/** The app's better-auth instance (on DATABASE_URL). */
export function getAuth(): Auth {
  if (!globalThis.gantryAuth) {
    const config = getConfig();
    globalThis.gantryAuth = createAuth({ db: getAuthDb(), config, secret: readAuthSecret(config) });
  }
  return globalThis.gantryAuth;
}
