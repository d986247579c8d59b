import { fromPrisma, type Job, type PgBoss } from "pg-boss";
import { z } from "zod";
import { OPEN_PULL_REQUEST_RETRIES, QUEUES } from "@/lib/jobs/boss";
import { log } from "@/lib/log";
import { failureReason, isPermanentFailure } from "@/lib/promotion/open-pull-request";
import { publishPolicyStatusQuietly } from "@/lib/promotion/policy-status";
import type { PromotionContext } from "@/lib/promotion/types";
import { markTrainFailed, openTrainPullRequest } from "@/lib/trains/open-train-pull-request";
import type { TrainJobs } from "@/lib/trains/types";

interface OpenTrainPullRequestJob {
  trainId: string;
}

const JobData = z.object({ trainId: z.uuid() });

/** TrainJobs on pg-boss: with a transaction, the job row commits or rolls back with the train. */
export function pgBossTrainJobs(boss: PgBoss): TrainJobs {
  return {
    async enqueueOpenTrainPullRequest({ trainId, tx }) {
      const data: OpenTrainPullRequestJob = { trainId };
      await boss.send(QUEUES.openTrainPullRequest, data, { ...(tx ? { db: fromPrisma(tx) } : {}) });
    },
  };
}

/**
 * One run of the train's job. A failure a retry may fix is thrown and
 * pg-boss retries with backoff; one no retry can fix, or the last attempt's,
 * marks the train's planned promotions failed with the reason.
 */
export async function runOpenTrainPullRequestJob(
  ctx: PromotionContext,
  job: Pick<Job<OpenTrainPullRequestJob>, "id" | "data" | "retryCount">,
): Promise<void> {
  const data = JobData.safeParse(job.data);
  if (!data.success) {
    log.error("open-train job with malformed data dropped", { jobId: job.id });
    return;
  }
  const { trainId } = data.data;
  try {
    const result = await openTrainPullRequest({ ctx, trainId });
    log.info("train pull request job done", { trainId, ...result });
    // The opened pull request's one gantry/policy, for every promotion of the train.
    const first = await ctx.db.promotion.findFirst({
      where: { trainId, state: { in: ["pr_open", "approved"] } },
      select: { id: true },
    });
    if (first) await publishPolicyStatusQuietly({ ctx, promotionId: first.id });
  } catch (error) {
    const reason = failureReason(error, { trainId, jobId: job.id });
    if (isPermanentFailure(error) || job.retryCount >= OPEN_PULL_REQUEST_RETRIES.retryLimit) {
      await markTrainFailed({ ctx, trainId, reason });
      log.warn("train failed", { trainId, reason, attempt: job.retryCount + 1 });
      return;
    }
    log.warn("train pull request attempt failed; retrying", { trainId, reason });
    throw error;
  }
}

/** Registers the train worker: one train at a time per process (a train is many files already). */
export async function startTrainWorker(params: {
  boss: PgBoss;
  ctx: PromotionContext;
  pollingIntervalSeconds?: number;
}): Promise<void> {
  await params.boss.work<OpenTrainPullRequestJob>(
    QUEUES.openTrainPullRequest,
    { pollingIntervalSeconds: params.pollingIntervalSeconds ?? 2 },
    async ([job]) => {
      if (job) await runOpenTrainPullRequestJob(params.ctx, job);
    },
  );
}
