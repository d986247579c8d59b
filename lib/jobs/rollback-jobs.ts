import type { PgBoss } from "pg-boss";
import { log } from "@/lib/log";
import { refreshPolicyStatuses } from "@/lib/promotion/policy-status";
import type { PromotionContext } from "@/lib/promotion/types";
import { openAutomaticRollbacks } from "@/lib/releases/auto-rollback";

/** Every minute: `gantry/policy` brought up to date (freezes start and end with time) and automatic rollbacks. */
const POLICY_AND_ROLLBACK_QUEUE = "promotion.policy-and-rollback";
const POLICY_AND_ROLLBACK_CRON = "* * * * *";

/**
 * The minutely policy and rollback check, a cron job in the job runner
 * (`stately`: checks never overlap). Both halves are idempotent: a status
 * is posted only when it changed, and a failure opens one rollback at most.
 */
export async function startPolicyAndRollbackWorker(params: {
  boss: PgBoss;
  ctx: PromotionContext;
}): Promise<void> {
  const { boss, ctx } = params;
  await boss.createQueue(POLICY_AND_ROLLBACK_QUEUE, {
    policy: "stately",
    retryLimit: 0,
    expireInSeconds: 300,
  });
  await boss.work(POLICY_AND_ROLLBACK_QUEUE, { pollingIntervalSeconds: 10 }, async () => {
    const statuses = await refreshPolicyStatuses({ ctx });
    const rollbacks = await openAutomaticRollbacks({ ctx });
    if (statuses.failed > 0 || rollbacks.opened.length > 0 || rollbacks.skipped.length > 0) {
      log.info("policy and rollback check", {
        statusesFailed: statuses.failed,
        rollbacksOpened: rollbacks.opened.length,
        rollbacksSkipped: rollbacks.skipped,
      });
    }
  });
  await boss.schedule(POLICY_AND_ROLLBACK_QUEUE, POLICY_AND_ROLLBACK_CRON);
}
