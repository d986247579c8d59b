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
});
