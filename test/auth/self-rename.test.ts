import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthWorld,
  callAuth,
  createAuthWorld,
  makePerson,
  signIn,
} from "@/test/auth/auth-world";

/**
 * POST /api/auth/update-user, better-auth's "change my profile": a local
 * account may change its name within bounds, audited; a name that comes
 * from single sign-on is the issuer's to change; nothing else is taken.
 */
let w: AuthWorld;
beforeAll(async () => {
  w = await createAuthWorld();
});
afterAll(async () => {
  await w?.close();
});

const rename = (cookie: string | null, body: unknown) =>
  callAuth(w, "/update-user", { cookie, body });
const nameOf = async (id: string) =>
  (await w.t.db.user.findUniqueOrThrow({ where: { id }, select: { name: true } })).name;

describe("renaming oneself", () => {
  it("lets a local account change its name, and records user.renamed with both names", async () => {
    const person = await makePerson(w);
    const { cookie } = await signIn(w, person.email);
    const response = await rename(cookie, { name: "  Ada Lovelace " });
    expect(response.status).toBe(200);
    expect(await nameOf(person.id)).toBe("Ada Lovelace");
    const events = await w.t.db.auditEvent.findMany({
      where: { action: "user.renamed", targetId: person.id },
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorId: person.id,
      detail: { from: person.name, to: "Ada Lovelace" },
    });
  });

  it("refuses a name over 100 characters, a control character or an empty name, and keeps the old", async () => {
    const person = await makePerson(w);
    const { cookie } = await signIn(w, person.email);
    for (const name of [
      "x".repeat(101),
      "x".repeat(10_000),
      "Ada\u0000",
      "Ada\nLovelace",
      "   ",
      42,
    ]) {
      const response = await rename(cookie, { name });
      expect(response.status, JSON.stringify(name).slice(0, 40)).toBe(400);
      const body = (await response.json()) as { message?: string };
      expect(body.message).toMatch(/^name: /);
    }
    expect(await nameOf(person.id)).toBe(person.name);
    expect(
      await w.t.db.auditEvent.count({ where: { action: "user.renamed", targetId: person.id } }),
    ).toBe(0);
  });

  it("takes no field but the name (an image URL is refused)", async () => {
    const person = await makePerson(w);
    const { cookie } = await signIn(w, person.email);
    const response = await rename(cookie, {
      name: "Ada",
      image: `https://x.example/${"a".repeat(5000)}`,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message?: string }).message).toMatch(/image/);
    const user = await w.t.db.user.findUniqueOrThrow({ where: { id: person.id } });
    expect(user).toMatchObject({ name: person.name, image: null });
  });

  it("refuses a person whose name comes from single sign-on", async () => {
    const person = await makePerson(w, { source: "oidc" });
    const { cookie } = await signIn(w, person.email);
    const response = await rename(cookie, { name: "Someone Else" });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message?: string }).message).toMatch(/single sign-on/);
    expect(await nameOf(person.id)).toBe(person.name);
  });

  it("refuses a signed-out request", async () => {
    expect((await rename(null, { name: "Nobody" })).status).toBe(401);
  });
});
