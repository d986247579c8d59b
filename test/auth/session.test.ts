import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import { createAuthDbClient } from "@/lib/db";
import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Person } from "@/lib/identity/principal";
import { type Auth, createAuth } from "@/lib/people/auth-server";
import { createApiToken } from "@/lib/people/create-api-token";
import { createUser } from "@/lib/people/create-user";
import { personFromSession, principalFromHeaders } from "@/lib/people/current-principal";
import { revokeApiToken } from "@/lib/people/revoke-api-token";
import { createTestDatabase, type TestDatabase } from "../support/db";

/**
 * Sessions and API tokens through better-auth's real handler on a real
 * Postgres: expiry (idle and absolute), sign-out, fixation, lockout,
 * disabled people, the forced password change.
 */

const ORIGIN = "http://127.0.0.1:3999";
const PASSWORD = "correct horse battery";
const config = parseConfig({
  GANTRY_PUBLIC_URL: ORIGIN,
  GANTRY_AUTH_SECRET: "a-test-secret-that-is-long-enough-0123456789",
  GANTRY_SESSION_IDLE_MINUTES: "60",
  GANTRY_SESSION_MAX_HOURS: "12",
});

let t: TestDatabase;
let authDb: PrismaClient;
let auth: Auth;

beforeAll(async () => {
  t = await createTestDatabase();
  authDb = createAuthDbClient(t.url);
  auth = createAuth({ db: authDb, config, secret: config.auth.secret ?? "" });
});
afterAll(async () => {
  await authDb?.$disconnect();
  await t?.drop();
});

async function makePerson(
  options: { mustChangePassword?: boolean; roles?: Person["roles"] } = {},
): Promise<{ id: string; email: string }> {
  const email = `${randomUUID().slice(0, 8)}@example.test`;
  const user = await createUser({
    db: t.db,
    acting: "system",
    email,
    name: `Person ${email.slice(0, 8)}`,
    password: PASSWORD,
    roles: options.roles ? [...options.roles] : ["developer"],
    teams: ["payments"],
    mustChangePassword: options.mustChangePassword ?? false,
  });
  return { id: user.id, email };
}

/** A random address, so the per-address count of one test does not leak into another. */
function address(): string {
  return `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
}

async function signIn(
  email: string,
  password: string,
  options: { from?: string; cookie?: string } = {},
): Promise<{
  status: number;
  cookie: string | null;
  message: string | null;
  setCookies: string[];
}> {
  const response = await auth.handler(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: ORIGIN,
        "x-gantry-client-address": options.from ?? address(),
        ...(options.cookie ? { cookie: options.cookie } : {}),
      },
      body: JSON.stringify({ email, password }),
    }),
  );
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith("gantry.session="));
  const body: unknown = await response.json().catch(() => null);
  const message =
    typeof body === "object" &&
    body !== null &&
    "message" in body &&
    typeof body.message === "string"
      ? body.message
      : null;
  return {
    status: response.status,
    cookie: setCookie?.split(";")[0] ?? null,
    message,
    setCookies: response.headers.getSetCookie(),
  };
}

/** Lockout tests call the endpoint directly: better-auth's request limiter counts only HTTP requests. */
async function signInDirect(email: string, password: string, from: string): Promise<string> {
  try {
    await auth.api.signInEmail({
      body: { email, password },
      headers: new Headers({ "x-gantry-client-address": from, origin: ORIGIN }),
    });
    return "signed in";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function principal(cookie: string | null, now?: Date) {
  return principalFromHeaders({
    auth,
    db: authDb,
    config,
    headers: new Headers(cookie ? { cookie } : {}),
    now,
  });
}

async function sessionRow(cookie: string) {
  const token = decodeURIComponent(cookie.split("=")[1] ?? "").split(".")[0] ?? "";
  return authDb.session.findUnique({ where: { token } });
}

describe("password sign-in", () => {
  it("signs in with an HttpOnly, SameSite=Lax cookie and records session.signed_in", async () => {
    const person = await makePerson();
    const response = await auth.handler(
      new Request(`${ORIGIN}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN },
        body: JSON.stringify({ email: person.email, password: PASSWORD }),
      }),
    );
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("gantry.session="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const signedIn = await principal(cookie?.split(";")[0] ?? null);
    expect(signedIn).toMatchObject({ kind: "person", id: person.id, teams: ["payments"] });
    const events = await t.db.auditEvent.findMany({
      where: { action: "session.signed_in", actorId: person.id },
    });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]?.detail)).not.toContain(PASSWORD);
    const user = await t.db.user.findUniqueOrThrow({ where: { id: person.id } });
    expect(user.lastSignInAt).not.toBeNull();
  });

  it("refuses a wrong password and records the failure without the password", async () => {
    const person = await makePerson();
    const result = await signIn(person.email, "wrong password!!");
    expect(result.status).toBe(401);
    expect(result.cookie).toBeNull();
    const failed = await t.db.auditEvent.findMany({
      where: { action: "session.sign_in_failed", actorId: person.id },
    });
    expect(failed).toHaveLength(1);
    expect(JSON.stringify(failed.map((e) => e.detail))).not.toContain("wrong password");
  });

  it("records an unknown e-mail's failure as Gantry (system), without the e-mail", async () => {
    const email = `nobody-${randomUUID().slice(0, 8)}@example.test`;
    const result = await signIn(email, "some password here");
    expect(result.status).toBe(401);
    const events = await t.db.auditEvent.findMany({
      where: { action: "session.sign_in_failed", actorKind: "system" },
    });
    expect(events.length).toBeGreaterThan(0);
    expect(JSON.stringify(events.map((e) => [e.detail, e.actorName]))).not.toContain(email);
  });

  it("issues a fresh session at sign-in and ends the one the browser held (fixation)", async () => {
    const person = await makePerson();
    const first = await signIn(person.email, PASSWORD);
    expect(first.cookie).not.toBeNull();
    const second = await signIn(person.email, PASSWORD, { cookie: first.cookie ?? "" });
    expect(second.cookie).not.toBeNull();
    expect(second.cookie).not.toBe(first.cookie);
    expect(await principal(first.cookie)).toBeNull();
    expect(await principal(second.cookie)).toMatchObject({ id: person.id });
  });

  it("refuses a disabled person at sign-in, and ends their open sessions at once", async () => {
    const person = await makePerson();
    const before = await signIn(person.email, PASSWORD);
    await t.db.user.update({ where: { id: person.id }, data: { disabledAt: new Date() } });
    expect(await principal(before.cookie)).toBeNull();
    const after = await signIn(person.email, PASSWORD);
    expect(after.status).toBe(403);
    expect(after.cookie).toBeNull();
    expect(after.message).toMatch(/disabled/);
  });

  it("ignores a forged cookie", async () => {
    const person = await makePerson();
    const good = await signIn(person.email, PASSWORD);
    const token = decodeURIComponent(good.cookie?.split("=")[1] ?? "").split(".")[0];
    expect(await principal(`gantry.session=${token}.forged`)).toBeNull();
    expect(await principal(`gantry.session=${token}`)).toBeNull();
  });
});

describe("session expiry", () => {
  it("ends a session idle for longer than GANTRY_SESSION_IDLE_MINUTES", async () => {
    const person = await makePerson();
    const { cookie } = await signIn(person.email, PASSWORD);
    const now = Date.now();
    expect(await principal(cookie, new Date(now + 59 * 60_000))).toMatchObject({ id: person.id });
    // That request counted as activity: another 59 minutes on, still signed in.
    expect(await principal(cookie, new Date(now + 118 * 60_000))).toMatchObject({ id: person.id });
    // 61 quiet minutes later: ended, and deleted.
    expect(await principal(cookie, new Date(now + 180 * 60_000))).toBeNull();
    expect(await sessionRow(cookie ?? "")).toBeNull();
  });

  it("a check that is not the person's activity (the live-updates recheck) does not hold off the idle end", async () => {
    const person = await makePerson();
    const { cookie } = await signIn(person.email, PASSWORD);
    const now = Date.now();
    const check = (at: number) =>
      principalFromHeaders({
        auth,
        db: authDb,
        config,
        headers: new Headers({ cookie: cookie ?? "" }),
        now: new Date(at),
        touch: false,
      });
    expect(await check(now + 59 * 60_000)).toMatchObject({ id: person.id });
    expect(await check(now + 61 * 60_000)).toBeNull();
  });

  it("ends a session GANTRY_SESSION_MAX_HOURS after sign-in, however busy, and never extends it", async () => {
    const person = await makePerson();
    const { cookie } = await signIn(person.email, PASSWORD);
    const row = await sessionRow(cookie ?? "");
    expect(row).not.toBeNull();
    const expiresAt = row?.expiresAt.getTime() ?? 0;
    expect(Math.abs(expiresAt - (row?.createdAt.getTime() ?? 0) - 12 * 3_600_000)).toBeLessThan(
      5_000,
    );
    await principal(cookie);
    expect((await sessionRow(cookie ?? ""))?.expiresAt.getTime()).toBe(expiresAt);
    // Busy all along (recent activity), but signed in 12 hours and a minute ago.
    await authDb.session.update({
      where: { id: row?.id },
      data: { createdAt: new Date(Date.now() - 12 * 3_600_000 - 60_000), updatedAt: new Date() },
    });
    expect(await principal(cookie)).toBeNull();
    expect(await sessionRow(cookie ?? "")).toBeNull();
  });
});

describe("sign-out", () => {
  it("invalidates the session on the server: the old cookie no longer works", async () => {
    const person = await makePerson();
    const { cookie } = await signIn(person.email, PASSWORD);
    expect(await principal(cookie)).toMatchObject({ id: person.id });
    const response = await auth.handler(
      new Request(`${ORIGIN}/api/auth/sign-out`, {
        method: "POST",
        headers: { origin: ORIGIN, cookie: cookie ?? "", "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(response.status).toBe(200);
    expect(await principal(cookie)).toBeNull();
    expect(await sessionRow(cookie ?? "")).toBeNull();
    const events = await t.db.auditEvent.findMany({
      where: { action: "session.signed_out", actorId: person.id },
    });
    expect(events).toHaveLength(1);
  });
});

describe("lockout", () => {
  it("holds an account back after 5 failures, with a wait that grows with each further failure", async () => {
    const person = await makePerson();
    for (let i = 0; i < 5; i++) {
      expect(await signInDirect(person.email, `wrong password ${i}`, address())).toMatch(
        /invalid email or password/i,
      );
    }
    // Even the right password waits: 30 seconds after the fifth failure.
    expect(await signInDirect(person.email, PASSWORD, address())).toMatch(
      /too many failed sign-ins; try again in 1 minute$/,
    );
    expect((await signIn(person.email, PASSWORD)).status).toBe(429);
    // Three more failures (as if each came after its wait): now 4 minutes.
    await t.db.signInFailure.createMany({
      data: [0, 1, 2].map(() => ({ email: person.email, address: address() })),
    });
    expect(await signInDirect(person.email, PASSWORD, address())).toMatch(/try again in 4 minutes/);
    // Once the wait after the last failure has passed, the right password works.
    await t.db.signInFailure.updateMany({
      where: { email: person.email },
      data: { at: new Date(Date.now() - 5 * 60_000) },
    });
    expect(await signInDirect(person.email, PASSWORD, address())).toBe("signed in");
  });

  it("never holds back the owner on a browser that signed in before (a signed known-device cookie)", async () => {
    const person = await makePerson();
    const known = await signIn(person.email, PASSWORD);
    const device = known.setCookies.find((c) => c.startsWith("gantry.known-device="));
    expect(device).toMatch(/HttpOnly/i);
    const deviceCookie = device?.split(";")[0] ?? "";
    // Someone else fails on the account until it is held back...
    for (let i = 0; i < 6; i++) await signInDirect(person.email, `guess ${i}`, address());
    expect((await signIn(person.email, PASSWORD)).status).toBe(429);
    // ...a forged or another account's device cookie does not help...
    const other = await makePerson();
    const otherDevice = (await signIn(other.email, PASSWORD)).setCookies
      .find((c) => c.startsWith("gantry.known-device="))
      ?.split(";")[0];
    for (const cookie of ["gantry.known-device=forged.value", otherDevice ?? ""]) {
      expect((await signIn(person.email, PASSWORD, { cookie })).status).toBe(429);
    }
    // ...but the owner's browser still signs in.
    const owner = await signIn(person.email, PASSWORD, { cookie: deviceCookie });
    expect(owner.status).toBe(200);
  });

  it("locks an address after 20 failures in 15 minutes, whichever accounts they were for", async () => {
    const from = address();
    for (let i = 0; i < 20; i++) {
      await signInDirect(
        `guess-${i}-${randomUUID().slice(0, 6)}@example.test`,
        "wrong password!",
        from,
      );
    }
    const person = await makePerson();
    expect(await signInDirect(person.email, PASSWORD, from)).toMatch(/too many failed sign-ins/);
    expect(await signInDirect(person.email, PASSWORD, address())).toBe("signed in");
  });
});

describe("client addresses", () => {
  it("believes no X-Forwarded-For from the client: rotating it does not dodge the per-address lock", async () => {
    const from = address();
    for (let i = 0; i < 20; i++) {
      await auth.api
        .signInEmail({
          body: {
            email: `guess-${i}-${randomUUID().slice(0, 6)}@example.test`,
            password: "wrong password!",
          },
          headers: new Headers({
            "x-gantry-client-address": from,
            "x-forwarded-for": address(),
            origin: ORIGIN,
          }),
        })
        .catch(() => undefined);
    }
    const person = await makePerson();
    expect(await signInDirect(person.email, PASSWORD, from)).toMatch(/too many failed sign-ins/);
    const failures = await t.db.auditEvent.findMany({
      where: { action: "session.sign_in_failed", sourceAddress: from },
    });
    expect(failures.length).toBeGreaterThanOrEqual(20);
  });
});

describe("forced password change", () => {
  it("keeps mustChangePassword until the password is changed, then clears it", async () => {
    const person = await makePerson({ mustChangePassword: true });
    const { cookie } = await signIn(person.email, PASSWORD);
    const headers = new Headers({ cookie: cookie ?? "", origin: ORIGIN });
    const before = await personFromSession({ auth, db: authDb, config, headers });
    expect(before?.mustChangePassword).toBe(true);
    // The API and forms refuse a one-time password for anything but changing it.
    await expect(principalFromHeaders({ auth, db: authDb, config, headers })).rejects.toThrow(
      /change your one-time password first/,
    );
    await expect(
      auth.api.changePassword({
        body: { currentPassword: PASSWORD, newPassword: "short" },
        headers,
      }),
    ).rejects.toThrow(/too short/i);
    const changed = await auth.api.changePassword({
      body: {
        currentPassword: PASSWORD,
        newPassword: "a brand new passphrase",
        revokeOtherSessions: true,
      },
      headers,
      returnHeaders: true,
    });
    const fresh = changed.headers
      .getSetCookie()
      .find((c) => c.startsWith("gantry.session="))
      ?.split(";")[0];
    const after = await personFromSession({
      auth,
      db: authDb,
      config,
      headers: new Headers({ cookie: fresh ?? "" }),
    });
    expect(after?.mustChangePassword).toBe(false);
    const acting = await principalFromHeaders({
      auth,
      db: authDb,
      config,
      headers: new Headers({ cookie: fresh ?? "" }),
    });
    expect(acting).toMatchObject({ kind: "person", id: person.id });
    expect((await signIn(person.email, "a brand new passphrase")).status).toBe(200);
    expect((await signIn(person.email, PASSWORD)).status).toBe(401);
  });
});

describe("API tokens", () => {
  const bearer = (token: string) => new Headers({ authorization: `Bearer ${token}` });

  it("a personal token acts as its owner, with the owner's roles as they are now", async () => {
    const person = await makePerson({ roles: ["developer"] });
    const owner = await principal(null);
    expect(owner).toBeNull();
    const signedIn = await signIn(person.email, PASSWORD);
    const me = await principal(signedIn.cookie);
    if (me?.kind !== "person") throw new Error("expected a person");
    const created = await createApiToken({ db: t.db, acting: me, kind: "personal", name: "mine" });
    const acting = await principalFromHeaders({
      auth,
      db: authDb,
      config,
      headers: bearer(created.token),
    });
    expect(acting).toMatchObject({ kind: "person", id: person.id, roles: ["developer"] });
    await t.db.user.update({ where: { id: person.id }, data: { roles: ["viewer"] } });
    expect(
      await principalFromHeaders({ auth, db: authDb, config, headers: bearer(created.token) }),
    ).toMatchObject({ roles: ["viewer"] });
    const row = await t.db.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.lastUsedAt).not.toBeNull();
    await t.db.user.update({ where: { id: person.id }, data: { disabledAt: new Date() } });
    await expect(
      principalFromHeaders({ auth, db: authDb, config, headers: bearer(created.token) }),
    ).rejects.toThrow(/owner is disabled/);
  });

  it("a CI token acts as itself within its scopes; expired and revoked tokens are refused", async () => {
    const created = await createApiToken({
      db: t.db,
      acting: "system",
      kind: "ci",
      name: "pipeline",
      scopes: ["promotions:read"],
      expiresInDays: 1,
    });
    const headers = bearer(created.token);
    expect(await principalFromHeaders({ auth, db: authDb, config, headers })).toEqual({
      kind: "ci_token",
      id: created.id,
      name: "pipeline",
      scopes: ["promotions:read"],
      teams: [],
    });
    const tomorrow = new Date(Date.now() + 86_400_000 + 60_000);
    await expect(
      principalFromHeaders({ auth, db: authDb, config, headers, now: tomorrow }),
    ).rejects.toThrow(/expired/);
    await revokeApiToken({ db: t.db, acting: "system", id: created.id });
    const refused = await principalFromHeaders({ auth, db: authDb, config, headers }).catch(
      (error: unknown) => error,
    );
    expect(isGantryError(refused) && refused.code).toBe("unauthenticated");
    expect(String(refused)).not.toContain(created.token);
  });

  it("refuses a malformed or unknown bearer token instead of treating it as signed out", async () => {
    await expect(
      principalFromHeaders({ auth, db: authDb, config, headers: bearer("nonsense") }),
    ).rejects.toThrow(/not a Gantry API token/);
    await expect(
      principalFromHeaders({
        auth,
        db: authDb,
        config,
        headers: bearer(`gantry_${"A".repeat(43)}`),
      }),
    ).rejects.toThrow(/not valid/);
  });
});
