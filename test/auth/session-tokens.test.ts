import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { principalFromHeaders } from "@/lib/people/current-principal";
import {
  type AuthWorld,
  callAuth,
  createAuthWorld,
  makePerson,
  PASSWORD,
  signIn,
} from "@/test/auth/auth-world";

/**
 * The session cookie is HttpOnly so a script cannot read it; the JSON
 * endpoints must not hand the same token to a script either.
 */
let w: AuthWorld;
beforeAll(async () => {
  w = await createAuthWorld();
});
afterAll(async () => {
  await w?.close();
});

const tokenOf = (cookie: string) =>
  decodeURIComponent(cookie.split("=")[1] ?? "").split(".")[0] ?? "";

describe("session tokens never reach the browser as JSON", () => {
  it("GET /api/auth/get-session answers the session's id, not its token", async () => {
    const person = await makePerson(w);
    const { cookie } = await signIn(w, person.email);
    if (!cookie) throw new Error("expected a session cookie");
    const response = await callAuth(w, "/get-session", { cookie });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(tokenOf(cookie));
    const body = JSON.parse(text) as { session: Record<string, unknown>; user: { id: string } };
    expect(body.session).not.toHaveProperty("token");
    expect(body.session.id).toEqual(expect.any(String));
    expect(body.user.id).toBe(person.id);
  });

  it("GET /api/auth/list-sessions answers ids only, for every session of the person", async () => {
    const person = await makePerson(w);
    const first = await signIn(w, person.email);
    const second = await signIn(w, person.email);
    if (!first.cookie || !second.cookie) throw new Error("expected session cookies");
    const response = await callAuth(w, "/list-sessions", { cookie: second.cookie });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(tokenOf(first.cookie));
    expect(text).not.toContain(tokenOf(second.cookie));
    const sessions = JSON.parse(text) as Record<string, unknown>[];
    expect(sessions).toHaveLength(2);
    for (const session of sessions) {
      expect(session).not.toHaveProperty("token");
      expect(session.id).toEqual(expect.any(String));
    }
  });

  it("the password sign-in's answer carries no token either", async () => {
    const person = await makePerson(w);
    const response = await callAuth(w, "/sign-in/email", {
      body: { email: person.email, password: PASSWORD },
      headers: { "x-gantry-client-address": "10.77.0.1" },
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("gantry.session="));
    const text = await response.text();
    expect(text).not.toContain(tokenOf(cookie?.split(";")[0] ?? "x=y"));
    expect(JSON.parse(text)).not.toHaveProperty("token");
  });

  it("still resolves the signed-in person on the server, and ends a session by its id", async () => {
    const person = await makePerson(w);
    const { cookie } = await signIn(w, person.email);
    const headers = new Headers({ cookie: cookie ?? "" });
    const params = { auth: w.auth, db: w.authDb, config: w.config, headers };
    expect(await principalFromHeaders(params)).toMatchObject({ id: person.id });
    const listed = (await (await callAuth(w, "/list-sessions", { cookie })).json()) as {
      id: string;
    }[];
    await w.authDb.session.deleteMany({ where: { id: { in: listed.map((s) => s.id) } } });
    expect(await principalFromHeaders(params)).toBeNull();
  });
});
