import { fromPrisma, type PgBoss } from "pg-boss";
import { QUEUES } from "@/lib/jobs/boss";
import type { PromotionJobs } from "@/lib/promotion/types";

export interface OpenPullRequestJob {
  promotionId: string;
}

/**
 * PromotionJobs on pg-boss. With a transaction the job row is inserted
 * through it (pg-boss' Prisma adapter), so it commits or rolls back with the
 * promotion that needs it. A second job for the same promotion is harmless:
 * the job body is idempotent.
 */
export function pgBossPromotionJobs(boss: PgBoss): PromotionJobs {
  return {
    async enqueueOpenPullRequest({ promotionId, tx }) {
      const data: OpenPullRequestJob = { promotionId };
      await boss.send(QUEUES.openPullRequest, data, {
        ...(tx ? { db: fromPrisma(tx) } : {}),
      });
    },
  };
}
