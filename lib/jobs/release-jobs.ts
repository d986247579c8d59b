import { fromPrisma, type PgBoss } from "pg-boss";
import { QUEUES } from "@/lib/jobs/boss";
import { log } from "@/lib/log";
import type { PromotionContext } from "@/lib/promotion/types";
import { evaluateProgression, type IsHeld } from "@/lib/releases/evaluate-progression";
import type { ReleaseJobs } from "@/lib/releases/types";

const PROGRESSION_QUEUE = QUEUES.progression;
/** The one singleton key: requests while an evaluation is queued coalesce into it. */
const PROGRESSION_KEY = "progression";
/** Soaks and gates move with the clock, so the rules are also evaluated every minute. */
const PROGRESSION_CRON = "* * * * *";

interface ProgressionJob {
  reason: string;
}

/** ReleaseJobs on pg-boss; with a transaction the job commits or rolls back with it. */
export function pgBossReleaseJobs(boss: PgBoss): ReleaseJobs {
  return {
    async requestProgression({ reason, tx }) {
      const data: ProgressionJob = { reason: reason.slice(0, 200) };
      await boss.send(PROGRESSION_QUEUE, data, {
        singletonKey: PROGRESSION_KEY,
        ...(tx ? { db: fromPrisma(tx) } : {}),
      });
    },
  };
}

/** The progression worker and its schedule, in the job runner. */
export async function startProgressionWorker(params: {
  boss: PgBoss;
  ctx: PromotionContext;
  /** The hold check (lib/releases/evaluate-progression.ts IsHeld); nothing is held without one. */
  isHeld?: IsHeld;
  pollingIntervalSeconds?: number;
}): Promise<void> {
  const { boss, ctx } = params;
  await boss.work<ProgressionJob>(
    PROGRESSION_QUEUE,
    { pollingIntervalSeconds: params.pollingIntervalSeconds ?? 5 },
    async () => {
      const outcome = await evaluateProgression({ ctx, isHeld: params.isHeld });
      if (outcome.opened.length > 0 || outcome.gateFailed > 0) {
        log.info("progression rules ran", {
          opened: outcome.opened.length,
          gateFailed: outcome.gateFailed,
          soaking: outcome.soaking,
          waiting: outcome.waiting,
        });
      }
    },
  );
  await boss.schedule(PROGRESSION_QUEUE, PROGRESSION_CRON);
}
