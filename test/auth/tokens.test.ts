import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiToken, hashApiToken } from "@/lib/identity/api-token";
import type { CiToken, Person, Role } from "@/lib/identity/principal";
import { createApiToken } from "@/lib/people/create-api-token";
import { listApiTokens } from "@/lib/people/list-api-tokens";
import { revokeApiToken } from "@/lib/people/revoke-api-token";
import { createTestDatabase, type TestDatabase } from "../support/db";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

async function makePerson(roles: Role[]): Promise<Person> {
  const id = randomUUID();
  const email = `${id.slice(0, 8)}@example.test`;
  await t.db.user.create({ data: { id, email, name: `Person ${id.slice(0, 8)}`, roles } });
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

describe("API tokens", () => {
  it("a personal token belongs to its maker, is shown once and stored only as a hash", async () => {
    const developer = await makePerson(["developer"]);
    const created = await createApiToken({
      db: t.db,
      acting: developer,
      kind: "personal",
      name: "laptop",
      scopes: ["promotions:read"],
      expiresInDays: 30,
    });
    expect(created.token).toMatch(/^gantry_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ kind: "personal", scopes: ["promotions:read"] });
    const days = ((created.expiresAt?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const row = await t.db.apiToken.findUniqueOrThrow({
      where: { id: created.id },
      omit: { tokenHash: false },
    });
    expect(row).toMatchObject({
      kind: "personal",
      ownerId: developer.id,
      createdById: developer.id,
    });
    expect(row.tokenHash).toBe(hashApiToken(created.token));
    // The plain token is nowhere in the database: not in the row, not in the audit chain.
    const dump = await t.db.$queryRaw<{ text: string }[]>`
      SELECT concat_ws(' ', t::text, (SELECT string_agg(e::text, ' ') FROM "AuditEvent" e)) AS text
      FROM "ApiToken" t WHERE t.id = ${created.id}::uuid`;
    expect(dump[0]?.text).toContain(row.tokenHash);
    expect(dump[0]?.text).not.toContain(created.token);
    expect(dump[0]?.text).not.toContain(created.token.slice(7, 30));

    // Listing shows everything but the token.
    const mine = await listApiTokens({ db: t.db, acting: developer, kind: "personal" });
    expect(mine).toEqual([
      expect.objectContaining({ id: created.id, name: "laptop", createdBy: developer.name }),
    ]);
    expect(JSON.stringify(mine)).not.toContain(created.token);
    expect(Object.keys(mine[0] ?? {})).not.toContain("tokenHash");

    // Someone else's list does not show it.
    const other = await makePerson(["developer"]);
    expect(await listApiTokens({ db: t.db, acting: other, kind: "personal" })).toEqual([]);

    const event = await t.db.auditEvent.findFirstOrThrow({ where: { targetId: created.id } });
    expect(event).toMatchObject({ action: "token.created", actorId: developer.id });
    expect(event.detail).toMatchObject({ tokenName: "laptop", kind: "personal" });
  });

  it("CI tokens are for admins (or Gantry itself); scopes and expiry are limited", async () => {
    const admin = await makePerson(["admin"]);
    const developer = await makePerson(["developer"]);
    await expect(
      createApiToken({ db: t.db, acting: developer, kind: "ci", name: "pipeline" }),
    ).rejects.toMatchObject({ code: "forbidden", message: "only an admin may do this" });
    await expect(listApiTokens({ db: t.db, acting: developer, kind: "ci" })).rejects.toMatchObject({
      code: "forbidden",
    });
    const ci: CiToken = {
      kind: "ci_token",
      id: randomUUID(),
      name: "robot",
      scopes: ["promotions:write"],
    };
    await expect(
      createApiToken({ db: t.db, acting: ci, kind: "personal", name: "sneaky" }),
    ).rejects.toMatchObject({ code: "forbidden" });

    await expect(
      createApiToken({
        db: t.db,
        acting: admin,
        kind: "ci",
        name: "pipeline",
        scopes: ["promotions:read", "admin:everything"],
      }),
    ).rejects.toMatchObject({
      code: "bad_request",
      message:
        "scopes: expected some of promotions:read, promotions:write, releases:write; unknown: admin:everything",
    });
    await expect(
      createApiToken({ db: t.db, acting: admin, kind: "ci", name: "x", expiresInDays: 0 }),
    ).rejects.toMatchObject({ message: "expiresInDays: at least 1 day" });
    await expect(
      createApiToken({ db: t.db, acting: admin, kind: "ci", name: "x", expiresInDays: 1000 }),
    ).rejects.toMatchObject({ message: expect.stringContaining("expiresInDays: at most") });
    await expect(
      createApiToken({ db: t.db, acting: admin, kind: "ci", name: "  ", scopes: [] }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/^name: .*scopes: at least one/) });

    const pipeline = await createApiToken({
      db: t.db,
      acting: admin,
      kind: "ci",
      name: "pipeline",
    });
    expect(pipeline.scopes).toEqual(["promotions:read", "promotions:write"]);
    expect(pipeline.expiresAt).toBeNull();
    const system = await createApiToken({ db: t.db, acting: "system", kind: "ci", name: "cli" });
    const listed = await listApiTokens({ db: t.db, acting: admin, kind: "ci" });
    expect(listed.map((token) => [token.name, token.createdBy])).toEqual(
      expect.arrayContaining([
        ["pipeline", admin.name],
        ["cli", "Gantry"],
      ]),
    );
    const systemEvent = await t.db.auditEvent.findFirstOrThrow({ where: { targetId: system.id } });
    expect(systemEvent).toMatchObject({ action: "token.created", actorKind: "system" });
  });

  it("revoked tokens stop working; only the owner or an admin may revoke", async () => {
    const admin = await makePerson(["admin"]);
    const owner = await makePerson(["developer"]);
    const stranger = await makePerson(["developer"]);
    const personal = await createApiToken({
      db: t.db,
      acting: owner,
      kind: "personal",
      name: "mine",
    });
    const ci = await createApiToken({ db: t.db, acting: admin, kind: "ci", name: "deploys" });
    expect(await authenticateApiToken({ db: t.db, token: personal.token })).toMatchObject({
      kind: "person",
      id: owner.id,
    });

    await expect(
      revokeApiToken({ db: t.db, acting: stranger, id: personal.id }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(revokeApiToken({ db: t.db, acting: owner, id: ci.id })).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(revokeApiToken({ db: t.db, acting: owner, id: "nope" })).rejects.toMatchObject({
      code: "not_found",
    });

    const { revokedAt } = await revokeApiToken({ db: t.db, acting: owner, id: personal.id });
    const again = await revokeApiToken({ db: t.db, acting: owner, id: personal.id });
    expect(again.revokedAt.getTime()).toBe(revokedAt.getTime());
    await expect(authenticateApiToken({ db: t.db, token: personal.token })).rejects.toMatchObject({
      code: "unauthenticated",
      message: "the API token was revoked",
    });
    await revokeApiToken({ db: t.db, acting: admin, id: ci.id });
    await expect(authenticateApiToken({ db: t.db, token: ci.token })).rejects.toMatchObject({
      code: "unauthenticated",
    });

    const revocations = await t.db.auditEvent.findMany({
      where: { action: "token.revoked", targetId: { in: [personal.id, ci.id] } },
      orderBy: { sequence: "asc" },
    });
    expect(revocations.map((e) => [e.targetId, e.actorId])).toEqual([
      [personal.id, owner.id],
      [ci.id, admin.id],
    ]);
    const listed = await listApiTokens({ db: t.db, acting: owner, kind: "personal" });
    expect(listed[0]?.revokedAt).toBeInstanceOf(Date);
  });
});
