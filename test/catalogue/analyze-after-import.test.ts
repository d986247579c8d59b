import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeAfterLargeImport, LARGE_IMPORT } from "@/lib/catalogue/analyze-after-import";
import type { Db } from "@/lib/db";
import { createTestDatabase } from "@/test/support/db";

describe("statistics after a large import", () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await createTestDatabase());
  });
  afterAll(async () => {
    await drop?.();
  });

  const analyzedTables = async () =>
    (
      await db.$queryRaw<{ relname: string }[]>`
        SELECT relname FROM pg_stat_user_tables
        WHERE relname IN ('Application', 'DeploymentTarget', 'ApplicationLabel', 'SyncStatus')
          AND last_analyze IS NOT NULL
        ORDER BY relname`
    ).map((row) => row.relname);

  it("analyzes the catalogue's tables after an import that changed many apps, not after a small one", async () => {
    const small = { appsCreated: 3, appsUpdated: 1, appsArchived: 0 };
    expect(await analyzeAfterLargeImport({ db, result: small })).toBe(false);
    expect(await analyzedTables()).toEqual([]);

    const large = { appsCreated: LARGE_IMPORT, appsUpdated: 0, appsArchived: 0 };
    expect(await analyzeAfterLargeImport({ db, result: large })).toBe(true);
    // The statistics collector reports asynchronously; ask until it has.
    await expect
      .poll(analyzedTables, { timeout: 10_000 })
      .toEqual(["Application", "ApplicationLabel", "DeploymentTarget", "SyncStatus"]);
  });

  it("merges the search index's pending entries, so a search right after a first import uses the index", async () => {
    // pgstattuple reads the GIN index's pending list (it ships with Postgres).
    await db.$executeRaw`CREATE EXTENSION IF NOT EXISTS pgstattuple`;
    const pendingPages = async () =>
      Number(
        (
          await db.$queryRaw<{ pending: number }[]>`
            SELECT pending_pages::int AS pending FROM pgstatginindex('"Application_search_trgm_idx"'::regclass)`
        )[0]?.pending,
      );
    const [team] = await db.$queryRaw<{ id: string }[]>`
      INSERT INTO "Team" (slug, name, "updatedAt") VALUES ('search', 'Search', now()) RETURNING id`;
    // No autovacuum in between: it would merge the list itself, and the check before would not hold.
    await db.$executeRaw`ALTER TABLE "Application" SET (autovacuum_enabled = false)`;
    // What a first import writes: many applications in a few statements.
    await db.$executeRaw`
      INSERT INTO "Application" (slug, name, description, "teamId", chart, "lastCommit", "updatedAt")
      SELECT 'app-' || n, 'Application ' || n, 'serves the api of team ' || (n % 50), ${team?.id}::uuid,
        'charts/app', repeat('a', 40), now()
      FROM generate_series(1, ${LARGE_IMPORT}) n`;
    expect(await pendingPages()).toBeGreaterThan(0);

    const large = { appsCreated: LARGE_IMPORT, appsUpdated: 0, appsArchived: 0 };
    expect(await analyzeAfterLargeImport({ db, result: large })).toBe(true);
    expect(await pendingPages()).toBe(0);
  });
});
