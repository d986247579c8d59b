import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, ensureDatabase, withDatabase } from "@/lib/postgres/database";
import { applyMigrations } from "@/lib/postgres/migrate";
import { prismaPaths } from "@/lib/postgres/migration-files";
import { createTestDatabase, migratedDatabaseUrl, type TestDatabase } from "../support/db";

async function committedMigrations(): Promise<string[]> {
  const entries = await fs.readdir(prismaPaths.migrations, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

describe("migrations", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => {
    await test.drop();
  });

  it("the run's database has every committed migration applied, and the client can use it", async () => {
    const expected = await committedMigrations();
    expect(expected.length).toBeGreaterThan(0);
    const rows = await test.db.$queryRaw<
      { migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }[]
    >`SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((row) => row.migration_name)).toEqual(expected);
    expect(rows.every((row) => row.finished_at !== null && row.rolled_back_at === null)).toBe(true);

    const slug = `team-${randomBytes(4).toString("hex")}`;
    const team = await test.db.team.create({ data: { slug, name: "Payments" } });
    expect(team.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await test.db.team.findUnique({ where: { slug } })).toMatchObject({ name: "Payments" });
  });

  it("applyMigrations applies all of them to an empty database, in order, and nothing the second time", async () => {
    const url = withDatabase(
      migratedDatabaseUrl(),
      `gantry_test_empty_${randomBytes(4).toString("hex")}`,
    );
    await ensureDatabase(url);
    try {
      expect(await applyMigrations(url)).toEqual(await committedMigrations());
      expect(await applyMigrations(url)).toEqual([]);
    } finally {
      await dropDatabase(url);
    }
  });
});
