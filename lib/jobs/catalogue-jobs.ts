import type { PgBoss } from "pg-boss";
import type { CatalogueImportQueue } from "@/lib/catalogue/import-catalogue";
import { CATALOGUE_IMPORT_KEY, QUEUES } from "@/lib/jobs/boss";

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
