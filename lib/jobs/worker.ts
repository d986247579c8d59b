import type { Job, JobResult, PgBoss } from "pg-boss";
import { z } from "zod";
import { importCatalog } from "@/lib/catalog/import-catalog";
import type { GantryConfig } from "@/lib/config";
import { createDbClient } from "@/lib/db";
import { isGantryError } from "@/lib/errors";
import { createGitProvider } from "@/lib/git";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { startDemoHistory } from "@/lib/insights/demo-history";
import {
  OPEN_PULL_REQUEST_RETRIES,
  POLL_PULL_REQUESTS_CRON,
  QUEUES,
  startBoss,
} from "@/lib/jobs/boss";
import type { CatalogImportJob } from "@/lib/jobs/catalog-jobs";
import { type OpenPullRequestJob, pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { stopSendingQueue } from "@/lib/jobs/queue";
import { markJobRunner } from "@/lib/jobs/queue-health";
import { startStaleClusterWorker } from "@/lib/jobs/stale-cluster-jobs";
import { log, logUnexpected } from "@/lib/log";
import { promotionMergeMethod } from "@/lib/promotion/context";
import {
  failureReason,
  isPermanentFailure,
  markPromotionFailed,
  openPromotionPullRequest,
} from "@/lib/promotion/open-pull-request";
import { type PullRequestEtags, pollPullRequests } from "@/lib/promotion/poll-pull-requests";
import type { PromotionContext } from "@/lib/promotion/types";
import { type RunningDemoFeed, startDemoFeed } from "@/lib/sync/demo-feed";

const JobData = z.object({ promotionId: z.uuid() });

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
 * The catalogue import worker (pushes to the default branch) and the pull
 * request poller (every minute, on the GitHub provider only: on the local one
 * pull requests change only through Gantry).
 */
export async function startRepositoryWorkers(params: {
  boss: PgBoss;
  ctx: PromotionContext;
  pollingIntervalSeconds?: number;
}): Promise<void> {
  const { boss, ctx } = params;
  await boss.work<CatalogImportJob>(
    QUEUES.catalogImport,
    { pollingIntervalSeconds: params.pollingIntervalSeconds ?? 2 },
    async ([job]) => {
      if (!job) return;
      // A failure is recorded on the import run and thrown, so pg-boss retries it.
      const result = await importCatalog({
        db: ctx.db,
        git: ctx.git,
        versionPath: ctx.versionPath,
        trigger: "webhook",
      });
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

export interface JobRunner {
  boss: PgBoss;
  stop(): Promise<void>;
}

/**
 * The job runner `npm start` starts after the import: its own database
 * client, Git provider and PgBoss (with maintenance), and in the embedded
 * default the demo clusters' status feed, until `stop()`.
 */
export async function startJobRunner(params: {
  config: GantryConfig;
  databaseUrl: string;
}): Promise<JobRunner> {
  const { config } = params;
  const db = createDbClient(params.databaseUrl);
  let boss: PgBoss | undefined;
  let demoFeed: RunningDemoFeed | null = null;
  try {
    boss = await startBoss(params.databaseUrl, { supervise: true, listen: true, schedule: true });
    const ctx: PromotionContext = {
      db,
      git: createGitProvider(config, { db }),
      jobs: pgBossPromotionJobs(boss),
      versionPath: config.git.versionPath,
      publicUrl: config.publicUrl,
      mergeMethod: promotionMergeMethod(config),
    };
    await startPromotionWorkers({ boss, ctx });
    await startRepositoryWorkers({ boss, ctx });
    await startStaleClusterWorker({ boss, db, staleAfterSeconds: config.syncStaleAfterSeconds });
    // The portal works without it: a feed that cannot start is logged, not fatal.
    demoFeed = await startDemoFeed({
      config,
      db,
      git: ctx.git instanceof LocalGitProvider ? ctx.git : null,
    }).catch((error: unknown) => {
      logUnexpected(error, { during: "starting the demo feed" });
      return null;
    });
  } catch (error) {
    await boss?.stop({ graceful: false }).catch(() => undefined);
    await db.$disconnect();
    throw error;
  }
  const started = boss;
  const demoHistory = startDemoHistory({ config, db }); // in the background: the portal does not wait
  markJobRunner(true);
  return {
    boss: started,
    async stop() {
      markJobRunner(false);
      await demoHistory.stop();
      await demoFeed?.stop();
      // Graceful: running jobs finish (they are idempotent if they do not).
      await started.stop({ graceful: true, timeout: 20_000 });
      // The web handlers' sender lives in the same process under `npm start`.
      await stopSendingQueue();
      await db.$disconnect();
    },
  };
}
