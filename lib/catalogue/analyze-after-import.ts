import type { PrismaClient } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import type { ImportResult } from "./import-catalogue";

/** Applications created, changed or archived by one import above which statistics are refreshed at once. */
export const LARGE_IMPORT = 1_000;

/** A refused merge is logged once per process: a role that does not own the indexes is refused every time. */
let mergeRefusalLogged = false;

/**
 * Readies the planner for the catalogue after an import that changed many
 * applications, instead of waiting for autovacuum:
 *
 * - ANALYZE of the catalogue's tables. Until then the planner plans for the
 *   tables as they were (empty, on a first import): at 50,000 apps the
 *   status query took half a second.
 * - The GIN indexes' pending entries merged into the index
 *   (`gin_clean_pending_list`). GIN keeps what is inserted in a pending list
 *   until a vacuum merges it; after a first import of 10,000 apps the text
 *   search index held 2,589 of them on 382 pages, the planner costed reading
 *   that list above reading every application, and a search took 23 ms in
 *   Postgres instead of 7. Merging takes about 20 ms.
 *
 * Returns whether it ran. A role that does not own the tables gets a warning
 * from Postgres for the ANALYZE and a refusal for the merge, logged once:
 * the import stands either way.
 */
export async function analyzeAfterLargeImport(params: {
  db: PrismaClient;
  result: Pick<ImportResult, "appsCreated" | "appsUpdated" | "appsArchived">;
}): Promise<boolean> {
  const { appsCreated, appsUpdated, appsArchived } = params.result;
  if (appsCreated + appsUpdated + appsArchived < LARGE_IMPORT) return false;
  const { db } = params;
  await db.$executeRaw`ANALYZE "Application", "DeploymentTarget", "ApplicationLabel", "SyncStatus"`;
  try {
    await db.$queryRaw`
      SELECT gin_clean_pending_list(i.indexrelid)::int AS merged
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_am am ON am.oid = c.relam AND am.amname = 'gin'
      WHERE i.indrelid IN ('"Application"'::regclass, '"DeploymentTarget"'::regclass)`;
  } catch (error) {
    if (!mergeRefusalLogged) {
      mergeRefusalLogged = true;
      log.warn("catalogue indexes: pending entries not merged after a large import", {
        reason: error instanceof Error ? error.message.slice(0, 300) : String(error),
      });
    }
  }
  return true;
}
