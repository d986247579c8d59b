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
});
