import type { Job, JobResult, PgBoss } from "pg-boss";
import { z } from "zod";
import { analyzeAfterLargeImport } from "@/lib/catalogue/analyze-after-import";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { isGantryError } from "@/lib/errors";
import { OPEN_PULL_REQUEST_RETRIES, POLL_PULL_REQUESTS_CRON, QUEUES } from "@/lib/jobs/boss";
import type { CatalogueImportJob } from "@/lib/jobs/catalogue-jobs";
import type { HostChangeJob, OpenPullRequestJob } from "@/lib/jobs/promotion-jobs";
import { log } from "@/lib/log";
import { applyHostChange } from "@/lib/promotion/apply-host-change";
import { HostChangeSchema } from "@/lib/promotion/host-change";
import {
  failureReason,
  isPermanentFailure,
  markPromotionFailed,
  openPromotionPullRequest,
} from "@/lib/promotion/open-pull-request";
import { publishPolicyStatusQuietly } from "@/lib/promotion/policy-status";
import { type PullRequestEtags, pollPullRequests } from "@/lib/promotion/poll-pull-requests";
import type { PromotionContext } from "@/lib/promotion/types";

const JobData = z.object({ promotionId: z.uuid() });
const HostChangeJobData = z.object({
  deliveryId: z.string().max(100),
  change: HostChangeSchema,
});

/**
 * One run of the open-pull-request job. A failure a retry may fix (the Git
 * host is down, another worker holds the promotion) is thrown, and pg-boss
 * retries with backoff; a failure no retry can fix, or the last attempt's,
 * marks the promotion `failed` with the reason, and the job completes.
 */
export async function runOpenPullRequestJob(
  ctx: PromotionContext,
  job: Pick<Job<OpenPullRequestJob>, "id" | "data" | "retryCount">,
): Promise<void> {
  const data = JobData.safeParse(job.data);
  if (!data.success) {
    log.error("open-pull-request job with malformed data dropped", { jobId: job.id });
    return;
  }
  const { promotionId } = data.data;
  try {
    const result = await openPromotionPullRequest({ ctx, promotionId });
    log.info("promotion pull request job done", { promotionId, ...result });
    // The opened pull request's gantry/policy (the minutely refresh posts it should this fail).
    await publishPolicyStatusQuietly({ ctx, promotionId });
  } catch (error) {
    const last = job.retryCount >= OPEN_PULL_REQUEST_RETRIES.retryLimit;
    const reason = failureReason(error, { promotionId, jobId: job.id });
    if (isPermanentFailure(error) || last) {
      await markPromotionFailed({ ctx, promotionId, reason });
      log.warn("promotion failed", { promotionId, reason, attempt: job.retryCount + 1 });
      return;
    }
    log.warn("promotion pull request attempt failed; retrying", {
      promotionId,
      reason,
      attempt: job.retryCount + 1,
    });
    throw error;
  }
}

/**
 * One run of the host-change job: what a webhook delivery reported, applied
 * the same way the poller applies what it reads. Idempotent, so a failure is
 * thrown and pg-boss retries it whole.
 */
async function runHostChangeJob(
  ctx: PromotionContext,
  job: Pick<Job<HostChangeJob>, "id" | "data">,
): Promise<void> {
  const data = HostChangeJobData.safeParse(job.data);
  if (!data.success) {
    log.error("host-change job with malformed data dropped", { jobId: job.id });
    return;
  }
  const { deliveryId, change } = data.data;
  const outcome = await applyHostChange({ ctx, change, source: "webhook" });
  log.info("webhook delivery applied", {
    delivery: deliveryId,
    change: change.kind,
    moved: outcome.promotions.filter((p) => p.changed).length,
    catalogue: outcome.catalogue,
  });
}

/**
 * Registers the workers on a started PgBoss. Jobs are fetched in batches and
 * run side by side, each settled on its own (a failed one is retried without
 * its neighbours); a full batch makes the worker fetch again at once.
 */
export async function startPromotionWorkers(params: {
  boss: PgBoss;
  ctx: PromotionContext;
  /**
   * Jobs in flight at once (workers × batch). Each running job holds one
   * database connection for its advisory lock and borrows another for its
   * queries: keep this well below the Prisma pool size (pg's default, 10).
   */
  concurrency?: number;
  pollingIntervalSeconds?: number;
}): Promise<void> {
  const concurrency = params.concurrency ?? 6;
  const workers = concurrency >= 4 ? 2 : 1;
  await params.boss.work<OpenPullRequestJob>(
    QUEUES.openPullRequest,
    {
      localConcurrency: workers,
      batchSize: Math.max(1, Math.floor(concurrency / workers)),
      perJobResults: true,
      burstWhenBatchFull: true,
      pollingIntervalSeconds: params.pollingIntervalSeconds ?? 2,
      notifyPollingIntervalSeconds: 30,
    },
    (jobs) =>
      Promise.all(
        jobs.map(async (job): Promise<JobResult> => {
          try {
            await runOpenPullRequestJob(params.ctx, job);
            return { id: job.id, status: "completed" };
          } catch (error) {
            // Retried by pg-boss. runOpenPullRequestJob logged it already (with an error id
            // when unexpected); the job keeps only words that are safe to store.
            return {
              id: job.id,
              status: "failed",
              output: {
                reason: isGantryError(error)
                  ? error.message
                  : "unexpected error; see the server log",
              },
            };
          }
        }),
      ),
  );
}

/**
 * The workers that follow the Git host: webhook deliveries' changes (one at
 * a time, in the order they arrived), the catalogue import (pushes to the
 * default branch), and the pull request poller (every minute, on the GitHub
 * provider only: on the local one pull requests change only through Gantry).
 */
export async function startRepositoryWorkers(params: {
  boss: PgBoss;
  ctx: PromotionContext;
  pollingIntervalSeconds?: number;
}): Promise<void> {
  const { boss, ctx } = params;
  await boss.work<HostChangeJob>(
    QUEUES.hostChange,
    { pollingIntervalSeconds: params.pollingIntervalSeconds ?? 2 },
    async ([job]) => {
      if (job) await runHostChangeJob(ctx, job);
    },
  );
  await boss.work<CatalogueImportJob>(
    QUEUES.catalogueImport,
    { pollingIntervalSeconds: params.pollingIntervalSeconds ?? 2 },
    async ([job]) => {
      if (!job) return;
      // A failure is recorded on the import run and thrown, so pg-boss retries it.
      const result = await importCatalogue({
        db: ctx.db,
        git: ctx.git,
        versionPath: ctx.versionPath,
        layoutFile: ctx.layoutFile,
        trigger: "webhook",
      });
      await analyzeAfterLargeImport({ db: ctx.db, result });
      log.info("catalogue imported", { reason: job.data.reason, commit: result.commit });
    },
  );
  if (ctx.git.kind !== "github") {
    await boss.unschedule(QUEUES.pollPullRequests);
    return;
  }
  // One map per process: the poll queue is `stately`, so polls never overlap.
  const etags: PullRequestEtags = new Map();
  await boss.work(
    QUEUES.pollPullRequests,
    { pollingIntervalSeconds: params.pollingIntervalSeconds ?? 10 },
    async () => {
      await pollPullRequests({ ctx, etags });
    },
  );
  await boss.schedule(QUEUES.pollPullRequests, POLL_PULL_REQUESTS_CRON);
}
