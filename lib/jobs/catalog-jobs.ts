import type { PgBoss } from "pg-boss";
import { CATALOG_IMPORT_KEY, QUEUES } from "@/lib/jobs/boss";

/** Asks for a catalogue re-import; requests made while one is already queued coalesce into it. */
export interface CatalogImportQueue {
  requestImport(params: { reason: string }): Promise<void>;
}

export interface CatalogImportJob {
  reason: string;
}

/**
 * CatalogImportQueue on pg-boss: the queue is `stately` and every job has
 * the same singleton key, so a burst of pushes leaves one import queued
 * (and one running at most). The importer is idempotent, and the queued one
 * reads the default branch when it runs, so it covers every push before it.
 */
export function pgBossCatalogImports(boss: PgBoss): CatalogImportQueue {
  return {
    async requestImport({ reason }) {
      const data: CatalogImportJob = { reason };
      await boss.send(QUEUES.catalogImport, data, { singletonKey: CATALOG_IMPORT_KEY });
    },
  };
}
