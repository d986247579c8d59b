import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUser } from "@/lib/people/create-user";
import { personFromSession } from "@/lib/people/current-principal";
import { disableUser } from "@/lib/people/disable-user";
import { renameUser } from "@/lib/people/rename-user";
import { resetPassword } from "@/lib/people/reset-password";
import {
  type CachedSignIn,
  forgetSignedInPeople,
  SessionCache,
  signInCache,
} from "@/lib/people/session-cache";
import { updateUserGrants } from "@/lib/people/update-user-grants";
import { type AuthWorld, createAuthWorld, ORIGIN, PASSWORD } from "./auth-world";

/**
 * The per-process cache of sessions: it spares the sign-in queries on every
 * page, and whatever ends a session or changes a person in this process
 * clears it at once; elsewhere (another replica, a direct write) its
 * entries run out within seconds.
 */

let w: AuthWorld;

beforeAll(async () => {
  w = await createAuthWorld({ GANTRY_SESSION_IDLE_MINUTES: "60", GANTRY_SESSION_MAX_HOURS: "12" });
});
afterAll(async () => {
  await w?.close();
});
beforeEach(() => forgetSignedInPeople());

async function signedInPerson(): Promise<{ id: string; email: string; cookie: string }> {
  const email = `${randomUUID().slice(0, 8)}@example.test`;
  const user = await createUser({
    db: w.t.db,
    acting: "system",
    email,
    name: `Person ${email.slice(0, 8)}`,
    password: PASSWORD,
    roles: ["developer", "admin"],
    teams: ["payments"],
  });
  const response = await w.auth.handler(
    new Request(`${ORIGIN}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify({ email, password: PASSWORD }),
    }),
  );
  const cookie = response.headers
    .getSetCookie()
    .find((c) => c.startsWith("gantry.session="))
    ?.split(";")[0];
  if (!cookie) throw new Error(`sign-in answered ${response.status}`);
  return { id: user.id, email, cookie };
}

function read(cookie: string, cache: SessionCache<CachedSignIn> = signInCache(), now?: Date) {
  return personFromSession({
    auth: w.auth,
    db: w.authDb,
    config: w.config,
    headers: new Headers({ cookie, origin: ORIGIN }),
    cache,
    now,
  });
}

describe("the cache of sessions", () => {
  it("answers from memory for a few seconds, then reads the database again", async () => {
    let clock = 0;
    const cache = new SessionCache<CachedSignIn>(5_000, () => clock);
    const person = await signedInPerson();
    expect((await read(person.cookie, cache))?.person.id).toBe(person.id);
    // Another replica signs the session out: this one still knows it, for a few seconds.
    await w.t.db.session.deleteMany({ where: { userId: person.id } });
    expect((await read(person.cookie, cache))?.person.id).toBe(person.id);
    clock = 5_000;
    expect(await read(person.cookie, cache)).toBeNull();
  });

  it("is keyed by the whole signed cookie: a forged signature never reaches a cached session", async () => {
    const person = await signedInPerson();
    expect((await read(person.cookie))?.person.id).toBe(person.id);
    const token = decodeURIComponent(person.cookie.split("=")[1] ?? "").split(".")[0];
    expect(await read(`gantry.session=${token}.forged`)).toBeNull();
  });

  it("still ends an idle session, and a request's activity is kept in the entry", async () => {
    const person = await signedInPerson();
    const start = Date.now();
    expect(await read(person.cookie, signInCache(), new Date(start + 59 * 60_000))).not.toBeNull();
    expect(await read(person.cookie, signInCache(), new Date(start + 118 * 60_000))).not.toBeNull();
    expect(await read(person.cookie, signInCache(), new Date(start + 180 * 60_000))).toBeNull();
    expect(await w.t.db.session.count({ where: { userId: person.id } })).toBe(0);
  });

  it("forgets at once a sign-out in this process", async () => {
    const person = await signedInPerson();
    expect(await read(person.cookie)).not.toBeNull();
    const response = await w.auth.handler(
      new Request(`${ORIGIN}/api/auth/sign-out`, {
        method: "POST",
        headers: { origin: ORIGIN, cookie: person.cookie, "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(response.status).toBe(200);
    expect(await read(person.cookie)).toBeNull();
  });

  it("forgets at once a disabled person, a password reset, new grants and a new name", async () => {
    const disabled = await signedInPerson();
    expect(await read(disabled.cookie)).not.toBeNull();
    await disableUser({ db: w.t.db, acting: "system", userId: disabled.id });
    expect(await read(disabled.cookie)).toBeNull();

    const reset = await signedInPerson();
    expect(await read(reset.cookie)).not.toBeNull();
    await resetPassword({ db: w.t.db, acting: "system", userId: reset.id });
    expect(await read(reset.cookie)).toBeNull();

    const regranted = await signedInPerson();
    expect((await read(regranted.cookie))?.person.roles).toEqual(["developer", "admin"]);
    await updateUserGrants({
      db: w.t.db,
      acting: "system",
      userId: regranted.id,
      grants: { roles: ["viewer"] },
    });
    expect((await read(regranted.cookie))?.person.roles).toEqual(["viewer"]);

    const renamed = await signedInPerson();
    const before = await read(renamed.cookie);
    if (!before) throw new Error("not signed in");
    await renameUser({ db: w.t.db, acting: before.person, input: { name: "A New Name" } });
    expect((await read(renamed.cookie))?.person.name).toBe("A New Name");
  });

  it("does not keep what a read found when a forget came while it read", () => {
    const cache = new SessionCache<string>(5_000, () => 0);
    const started = cache.startRead();
    cache.clear();
    cache.set("key", "old answer", started);
    expect(cache.get("key")).toBeNull();
    cache.set("key", "new answer", cache.startRead());
    expect(cache.get("key")).toBe("new answer");
  });
});
