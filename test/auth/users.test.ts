import { randomUUID } from "node:crypto";
import { hashPassword, verifyPassword } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiToken } from "@/lib/identity/api-token";
import type { Person, Role } from "@/lib/identity/principal";
import { createApiToken } from "@/lib/people/create-api-token";
import { disableUser, enableUser } from "@/lib/people/disable-user";
import { listUsers } from "@/lib/people/list-users";
import { resetPassword } from "@/lib/people/reset-password";
import { updateUserGrants } from "@/lib/people/update-user-grants";
import { createTestDatabase, type TestDatabase } from "../support/db";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function makeUser(roles: Role[], options: { password?: string } = {}): Promise<Person> {
  const id = randomUUID();
  const email = `${id.slice(0, 8)}@example.test`;
  await t.db.user.create({ data: { id, email, name: `Person ${id.slice(0, 8)}`, roles } });
  if (options.password) {
    await t.db.account.create({
      data: {
        id: randomUUID(),
        userId: id,
        accountId: id,
        providerId: "credential",
        password: await hashPassword(options.password),
      },
    });
  }
  return {
    kind: "person",
    id,
    name: `Person ${id.slice(0, 8)}`,
    email,
    roles,
    teams: [],
    approverEnvironments: [],
    breakGlass: false,
    gitLogin: null,
  };
}

async function makeSession(userId: string): Promise<void> {
  await t.db.session.create({
    data: {
      id: randomUUID(),
      token: randomUUID(),
      userId,
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
}

const events = (targetId: string) =>
  t.db.auditEvent.findMany({ where: { targetId }, orderBy: { sequence: "asc" } });

/** Only admins may manage people; there is always at least one active admin. */
async function withOnlyAdmin(admin: Person, run: () => Promise<void>): Promise<void> {
  await t.db.user.updateMany({
    where: { id: { not: admin.id }, roles: { has: "admin" }, disabledAt: null },
    data: { disabledAt: new Date() },
  });
  await run();
}

describe("people and their grants", () => {
  it("lists people for admins only", async () => {
    const admin = await makeUser(["admin"]);
    const developer = await makeUser(["developer"]);
    const users = await listUsers({ db: t.db, acting: admin, search: developer.email });
    expect(users.map((u) => u.email)).toEqual([developer.email]);
    expect(users[0]).toMatchObject({ roles: ["developer"], source: "local" });
    await expect(listUsers({ db: t.db, acting: developer })).rejects.toMatchObject({
      code: "forbidden",
      message: "only an admin may do this",
    });
  });

  it("changes grants and records before and after in the audit chain", async () => {
    const admin = await makeUser(["admin"]);
    const person = await makeUser(["viewer"]);
    const after = await updateUserGrants({
      db: t.db,
      acting: admin,
      userId: person.id,
      grants: {
        roles: ["approver", "developer"],
        teams: ["payments", "checkout", "payments"],
        approverEnvironments: ["prod"],
        breakGlass: true,
        gitLogin: `gh-${person.id.slice(0, 6)}`,
      },
    });
    expect(after).toMatchObject({
      roles: ["developer", "approver"],
      teams: ["checkout", "payments"],
      breakGlass: true,
    });
    const row = await t.db.user.findUniqueOrThrow({ where: { id: person.id } });
    expect(row.roles).toEqual(["developer", "approver"]);
    expect(row.approverEnvironments).toEqual(["prod"]);
    const [event] = await events(person.id);
    expect(event).toMatchObject({
      action: "user.grants_changed",
      actorKind: "person",
      actorId: admin.id,
      targetType: "user",
    });
    expect(event?.detail).toMatchObject({
      email: person.email,
      before: { roles: ["viewer"], teams: [], breakGlass: false },
      after: { roles: ["developer", "approver"], teams: ["checkout", "payments"] },
    });
  });

  it("refuses bad grants naming the field, and non-admins", async () => {
    const admin = await makeUser(["admin"]);
    const person = await makeUser(["viewer"]);
    await expect(
      updateUserGrants({
        db: t.db,
        acting: admin,
        userId: person.id,
        grants: { roles: ["wizard" as Role], teams: ["Not A Slug"] },
      }),
    ).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringMatching(/roles: .*teams: expected team slugs/),
    });
    await expect(
      updateUserGrants({
        db: t.db,
        acting: person,
        userId: person.id,
        grants: { roles: ["admin"] },
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(await events(person.id)).toEqual([]);
  });

  it("keeps the last active admin: no self-demotion, no self-disable", async () => {
    const admin = await makeUser(["admin"]);
    await withOnlyAdmin(admin, async () => {
      await expect(
        updateUserGrants({
          db: t.db,
          acting: admin,
          userId: admin.id,
          grants: { roles: ["viewer"] },
        }),
      ).rejects.toMatchObject({
        code: "conflict",
        message: `${admin.email} is the last active admin, so you cannot remove your own admin role; make someone else an admin first`,
      });
      await expect(
        disableUser({ db: t.db, acting: admin, userId: admin.id }),
      ).rejects.toMatchObject({
        code: "conflict",
        message: expect.stringContaining("cannot disable yourself"),
      });
      const row = await t.db.user.findUniqueOrThrow({ where: { id: admin.id } });
      expect(row.roles).toEqual(["admin"]);
      expect(row.disabledAt).toBeNull();
      expect(await events(admin.id)).toEqual([]);

      // With a second admin, stepping down is fine.
      const second = await makeUser(["admin"]);
      await updateUserGrants({
        db: t.db,
        acting: admin,
        userId: admin.id,
        grants: { roles: ["developer"] },
      });
      expect((await t.db.user.findUniqueOrThrow({ where: { id: admin.id } })).roles).toEqual([
        "developer",
      ]);
      await expect(
        disableUser({ db: t.db, acting: "system", userId: second.id }),
      ).rejects.toMatchObject({ code: "conflict" });
    });
  });

  it("disabling ends every session; enabling lets them back", async () => {
    const admin = await makeUser(["admin"]);
    const person = await makeUser(["developer"]);
    await makeSession(person.id);
    await makeSession(person.id);
    await disableUser({ db: t.db, acting: admin, userId: person.id });
    const row = await t.db.user.findUniqueOrThrow({ where: { id: person.id } });
    expect(row.disabledAt).toBeInstanceOf(Date);
    expect(await t.db.session.count({ where: { userId: person.id } })).toBe(0);
    await enableUser({ db: t.db, acting: admin, userId: person.id });
    expect((await t.db.user.findUniqueOrThrow({ where: { id: person.id } })).disabledAt).toBeNull();
    expect((await events(person.id)).map((e) => [e.action, e.detail])).toEqual([
      ["user.disabled", { email: person.email, signedOut: 2, revokedApiTokenIds: [] }],
      ["user.enabled", { email: person.email }],
    ]);
  });

  it("a password reset gives a new one-time password, ends sessions and never records it", async () => {
    const admin = await makeUser(["admin"]);
    const person = await makeUser(["developer"], { password: "the old password 1" });
    await makeSession(person.id);
    const { password } = await resetPassword({ db: t.db, acting: admin, userId: person.id });
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const account = await t.db.account.findFirstOrThrow({
      where: { userId: person.id, providerId: "credential" },
      select: { password: true },
    });
    expect(account.password).not.toContain(password);
    expect(await verifyPassword({ hash: account.password ?? "", password })).toBe(true);
    expect(
      await verifyPassword({ hash: account.password ?? "", password: "the old password 1" }),
    ).toBe(false);
    const row = await t.db.user.findUniqueOrThrow({ where: { id: person.id } });
    expect(row.mustChangePassword).toBe(true);
    expect(await t.db.session.count({ where: { userId: person.id } })).toBe(0);
    const all = await events(person.id);
    expect(all.map((e) => e.action)).toEqual(["user.password_reset"]);
    expect(JSON.stringify(all.map((e) => e.detail))).not.toContain(password);

    const sso = await makeUser(["viewer"]);
    await expect(resetPassword({ db: t.db, acting: admin, userId: sso.id })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("single sign-on"),
    });
  });

  it("writes the change and its audit event in one transaction", async () => {
    const admin = await makeUser(["admin"]);
    const person = await makeUser(["viewer"]);
    await makeSession(person.id);
    // A failing audit insert must take the change (and the session deletion) with it.
    await t.db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_user_events() RETURNS trigger AS $$
      BEGIN
        IF NEW."targetId" = '${person.id}' THEN RAISE EXCEPTION 'audit refused'; END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await t.db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_user_events BEFORE INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION refuse_user_events()`,
    );
    try {
      await expect(
        updateUserGrants({
          db: t.db,
          acting: admin,
          userId: person.id,
          grants: { roles: ["admin"] },
        }),
      ).rejects.toThrow(/audit refused/);
      await expect(disableUser({ db: t.db, acting: admin, userId: person.id })).rejects.toThrow(
        /audit refused/,
      );
    } finally {
      await t.db.$executeRawUnsafe(`DROP TRIGGER refuse_user_events ON "AuditEvent"`);
    }
    const row = await t.db.user.findUniqueOrThrow({ where: { id: person.id } });
    expect(row.roles).toEqual(["viewer"]);
    expect(row.disabledAt).toBeNull();
    expect(await t.db.session.count({ where: { userId: person.id } })).toBe(1);

    // And a refused change (a Git login someone else has) leaves no event.
    const other = await makeUser(["viewer"]);
    const login = `gh-${other.id.slice(0, 6)}`;
    await updateUserGrants({
      db: t.db,
      acting: admin,
      userId: other.id,
      grants: { gitLogin: login },
    });
    await expect(
      updateUserGrants({ db: t.db, acting: admin, userId: person.id, grants: { gitLogin: login } }),
    ).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("gitLogin") });
    expect(await events(person.id)).toEqual([]);
  });
});

describe("a reset or a disable revokes the person's API tokens for good", () => {
  const works = (token: string) =>
    authenticateApiToken({ db: t.db, token }).then(
      () => "works",
      (error: unknown) => String(error),
    );

  it("an admin's password reset revokes their personal tokens, audited", async () => {
    const admin = await makeUser(["admin"]);
    const person = await makeUser(["developer"], { password: "the old password 1" });
    const mine = await createApiToken({
      db: t.db,
      acting: person,
      kind: "personal",
      name: "laptop",
    });
    const ci = await createApiToken({ db: t.db, acting: "system", kind: "ci", name: "pipeline" });
    expect(await works(mine.token)).toBe("works");
    await resetPassword({ db: t.db, acting: admin, userId: person.id });
    expect(await works(mine.token)).toMatch(/revoked/);
    // Tokens that are not theirs are untouched.
    expect(await works(ci.token)).toBe("works");
    const [reset] = await events(person.id);
    expect(reset?.detail).toMatchObject({ revokedApiTokenIds: [mine.id] });
  });

  it("a disabled person's tokens stay revoked once they are enabled again", async () => {
    const admin = await makeUser(["admin"]);
    const person = await makeUser(["developer"]);
    await makeSession(person.id);
    const mine = await createApiToken({ db: t.db, acting: person, kind: "personal", name: "cli" });
    await disableUser({ db: t.db, acting: admin, userId: person.id });
    await enableUser({ db: t.db, acting: admin, userId: person.id });
    expect(await works(mine.token)).toMatch(/revoked/);
    expect(await t.db.session.count({ where: { userId: person.id } })).toBe(0);
    const row = await t.db.apiToken.findUniqueOrThrow({ where: { id: mine.id } });
    expect(row.revokedAt).toBeInstanceOf(Date);
    const [disabled] = await events(person.id);
    expect(disabled?.detail).toMatchObject({ signedOut: 1, revokedApiTokenIds: [mine.id] });
  });
});
