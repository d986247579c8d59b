import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db";
import { createTestDatabase } from "@/test/support/db";

/** Secret columns never leave the database unless a query asks for them by name. */
describe("the Prisma client's secret defaults", () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await createTestDatabase());
  });
  afterAll(async () => drop?.());

  it("omits API token hashes from every ordinary read", async () => {
    const tokenHash = randomBytes(32).toString("hex");
    const created = await db.apiToken.create({
      data: { name: "ci", tokenHash, scopes: ["promotions:read"] },
    });
    expect(created).not.toHaveProperty("tokenHash");
    expect(await db.apiToken.findFirst({ where: { id: created.id } })).not.toHaveProperty(
      "tokenHash",
    );
    expect(await db.apiToken.findMany()).toEqual([expect.not.objectContaining({ tokenHash })]);
    // Looking a token up by its hash still works: the hash is a filter, not a result.
    expect(await db.apiToken.findUnique({ where: { tokenHash } })).toMatchObject({
      id: created.id,
    });
    // A query that needs it says so explicitly.
    const explicit = await db.apiToken.findUnique({
      where: { id: created.id },
      select: { tokenHash: true },
    });
    expect(explicit?.tokenHash).toBe(tokenHash);
  });

  it("omits password hashes, identity-provider tokens and session tokens", async () => {
    const userId = randomBytes(8).toString("hex");
    await db.user.create({ data: { id: userId, name: "Pat", email: `${userId}@example.com` } });
    const password = `scrypt:${randomBytes(16).toString("hex")}`;
    const token = randomBytes(16).toString("hex");
    await db.account.create({
      data: {
        id: `a-${userId}`,
        accountId: userId,
        providerId: "credential",
        userId,
        password,
        accessToken: "at",
        refreshToken: "rt",
        idToken: "it",
      },
    });
    await db.session.create({
      data: { id: `s-${userId}`, token, userId, expiresAt: new Date(Date.now() + 60_000) },
    });
    const account = await db.account.findFirstOrThrow({ where: { userId } });
    for (const secret of ["password", "accessToken", "refreshToken", "idToken"]) {
      expect(account).not.toHaveProperty(secret);
    }
    const withSessions = await db.user.findUniqueOrThrow({
      where: { id: userId },
      include: { sessions: true, accounts: true },
    });
    expect(JSON.stringify(withSessions)).not.toContain(token);
    expect(JSON.stringify(withSessions)).not.toContain(password);
  });
});
