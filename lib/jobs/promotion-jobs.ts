import { fromPrisma, type PgBoss } from "pg-boss";
import { CATALOGUE_IMPORT_KEY, QUEUES } from "@/lib/jobs/boss";
import type { CatalogueImportJob } from "@/lib/jobs/catalogue-jobs";
import type { HostChange } from "@/lib/promotion/host-change";
import type { PromotionJobs } from "@/lib/promotion/types";

export interface OpenPullRequestJob {
  promotionId: string;
}

export interface HostChangeJob {
  /** The webhook delivery that reported it, for the logs. */
  deliveryId: string;
  change: HostChange;
}

/**
 * PromotionJobs on pg-boss. With a transaction the job row is inserted
 * through it (pg-boss' Prisma adapter), so it commits or rolls back with the
 * row that needs it. A second job for the same promotion or change is
 * harmless: the job bodies are idempotent.
 */
export function pgBossPromotionJobs(boss: PgBoss): PromotionJobs {
  return {
    async enqueueOpenPullRequest({ promotionId, tx }) {
      const data: OpenPullRequestJob = { promotionId };
      await boss.send(QUEUES.openPullRequest, data, {
        ...(tx ? { db: fromPrisma(tx) } : {}),
      });
    },
    async enqueueHostChange({ deliveryId, change, tx }) {
      const data: HostChangeJob = { deliveryId, change };
      await boss.send(QUEUES.hostChange, data, { ...(tx ? { db: fromPrisma(tx) } : {}) });
    },
    /**
     * The queue is `stately` and every import has the same singleton key, so
     * a burst of pushes leaves one import queued (and one running at most).
     * The importer is idempotent, and the queued one reads the default branch
     * when it runs, so it covers every push before it.
     */
    async requestCatalogueImport({ reason }) {
      const data: CatalogueImportJob = { reason };
      await boss.send(QUEUES.catalogueImport, data, { singletonKey: CATALOGUE_IMPORT_KEY });
    },
  };
}
