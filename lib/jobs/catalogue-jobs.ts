import type { PgBoss } from "pg-boss";
import { CATALOGUE_IMPORT_KEY, QUEUES } from "@/lib/jobs/boss";

/** Asks for a catalogue re-import; requests made while one is already queued coalesce into it. */
export interface CatalogueImportQueue {
  requestImport(params: { reason: string }): Promise<void>;
}

export interface CatalogueImportJob {
  reason: string;
}

/**
 * CatalogueImportQueue on pg-boss: the queue is `stately` and every job has
 * the same singleton key, so a burst of pushes leaves one import queued
 * (and one running at most). The importer is idempotent, and the queued one
 * reads the default branch when it runs, so it covers every push before it.
 */
export function pgBossCatalogueImports(boss: PgBoss): CatalogueImportQueue {
  return {
    async requestImport({ reason }) {
      const data: CatalogueImportJob = { reason };
      await boss.send(QUEUES.catalogueImport, data, { singletonKey: CATALOGUE_IMPORT_KEY });
    },
  };
}
