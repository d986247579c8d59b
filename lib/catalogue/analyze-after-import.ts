import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { ImportResult } from "./import-catalogue";

/** Applications created, changed or archived by one import above which statistics are refreshed at once. */
export const LARGE_IMPORT = 1_000;

/**
 * Refreshes the planner's statistics of the catalogue's tables after an
 * import that changed many applications. Until autovacuum gets to them, the
 * planner plans for the tables as they were (empty, on a first import): at
 * 50,000 apps the status query took half a second until then. Returns
 * whether it ran. A role that does not own the tables gets a warning from
 * Postgres, not an error: the import stands either way.
 */
export async function analyzeAfterLargeImport(params: {
  db: PrismaClient;
  result: Pick<ImportResult, "appsCreated" | "appsUpdated" | "appsArchived">;
}): Promise<boolean> {
  const { appsCreated, appsUpdated, appsArchived } = params.result;
  if (appsCreated + appsUpdated + appsArchived < LARGE_IMPORT) return false;
  await params.db
    .$executeRaw`ANALYZE "Application", "DeploymentTarget", "ApplicationLabel", "SyncStatus"`;
  return true;
}
