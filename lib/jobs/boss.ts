/*
 * lib/jobs owns the pg-boss queue: its queues, the senders the web process uses, and the workers
 * that run promotion steps, catalogue imports and the pull request poller.
 */

import { PgBoss, type Queue } from "pg-boss";
import { recordJobQueueError } from "@/lib/jobs/queue-health";
import { outageLog } from "@/lib/log";

/**
 * pg-boss on the application's Postgres, in a schema of its own. The
 * Prisma migrations own `public`; pg-boss creates and migrates `pgboss`
 * itself on start (it takes an advisory lock, so replicas starting
 * together do not race), and Prisma never looks outside `public`.
 */
export const JOBS_SCHEMA = "pgboss";

/** Queue names. */
export const QUEUES = {
  openPullRequest: "promotion.open-pr",
  /** Opens a release train's one branch, commit and pull request (lib/jobs/train-jobs.ts). */
  openTrainPullRequest: "train.open-pr",
  /** Re-imports the catalogue (after a push to the default branch). */
  catalogueImport: "catalog.import",
  /** Reads open promotions' pull requests, for webhook deliveries that never came. */
  pollPullRequests: "promotion.poll",
  /** Applies a change a webhook delivery reported (the delivery is answered before it runs). */
  hostChange: "promotion.host-change",
  /** Evaluates the releases' progression rules (lib/jobs/release-jobs.ts). */
  progression: "releases.progress",
} as const;

/** The one singleton key of catalogue imports: a burst of pushes coalesces into one queued import. */
export const CATALOGUE_IMPORT_KEY = "catalog";

/** How often the poller runs (cron, in the job runner). */
export const POLL_PULL_REQUESTS_CRON = "* * * * *";

/**
 * A running job's worker refreshes its heartbeat every half of this; a job
 * whose heartbeat is older (its worker was killed, or lost the database) is
 * failed by the supervisor and retried. pg-boss's minimum is 10 seconds.
 */
export const JOB_HEARTBEAT_SECONDS = 20;

/**
 * How often the supervising process (the job runner) looks for jobs whose
 * heartbeat stopped or whose time ran out. With the heartbeat above, a job
 * whose worker died is retried within about 20 + 10 seconds and the first
 * retry's delay: well inside a minute.
 */
export const SUPERVISE_INTERVAL_SECONDS = 10;

/**
 * Retries with exponential backoff: 2 s, ~4 s, ~8 s … capped at 5 minutes,
 * six attempts in all; long enough to ride out a Git host's outage or
 * rate limit, short enough that a person waiting sees the failure the
 * same hour. A crashed attempt is noticed by its heartbeat; the expiry only
 * bounds an attempt that hangs while its worker lives (a few Git host
 * calls, paced by the host's rate limits).
 */
export const OPEN_PULL_REQUEST_RETRIES = {
  retryLimit: 5,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 300,
  expireInSeconds: 180,
  heartbeatSeconds: JOB_HEARTBEAT_SECONDS,
} as const;

export interface BossOptions {
  /** Run maintenance and supervision (one worker process needs it; senders do not). */
  supervise?: boolean;
  /** Connections in pg-boss's own pool. */
  max?: number;
  /** Job spies (`boss.getSpy(queue).waitForJob`), for tests only. */
  spies?: boolean;
  /**
   * Hold a LISTEN connection so workers wake when a job is sent instead of
   * at their next poll (workers only; senders notify either way).
   */
  listen?: boolean;
  /** Run the cron schedules (the job runner; at most a few processes need it). */
  schedule?: boolean;
  /**
   * Shorter heartbeat and supervision, for tests that kill a worker and
   * must not wait the production intervals for its job to be retried.
   */
  timing?: { heartbeatSeconds: number; superviseIntervalSeconds: number };
}

/** A started PgBoss with Gantry's queues created. Stop it with `boss.stop()`. */
export async function startBoss(databaseUrl: string, options: BossOptions = {}): Promise<PgBoss> {
  const heartbeatSeconds = options.timing?.heartbeatSeconds ?? JOB_HEARTBEAT_SECONDS;
  const superviseIntervalSeconds =
    options.timing?.superviseIntervalSeconds ?? SUPERVISE_INTERVAL_SECONDS;
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOBS_SCHEMA,
    application_name: "gantry-jobs",
    max: options.max ?? 5,
    supervise: options.supervise ?? false,
    superviseIntervalSeconds,
    monitorIntervalSeconds: superviseIntervalSeconds,
    schedule: options.schedule ?? false,
    useListenNotify: options.listen ?? false,
    __test__enableSpies: options.spies ?? false,
  });
  // An 'error' event without a listener would crash the process;
  // pg-boss reports connection blips here and keeps going.
  // While the database is down it fails every poll: one line per interval, not per poll.
  boss.on("error", (error) => {
    recordJobQueueError(error);
    outageLog.failing("job-queue", "job queue error", { error });
  });
  await boss.start();
  await ensureQueue(boss, QUEUES.openPullRequest, {
    ...OPEN_PULL_REQUEST_RETRIES,
    heartbeatSeconds,
    notify: true,
  });
  await ensureQueue(boss, QUEUES.openTrainPullRequest, {
    ...OPEN_PULL_REQUEST_RETRIES,
    heartbeatSeconds,
    notify: true,
  });
  // Idempotent work (a replay changes nothing), so retried freely; a merge it sees re-imports
  // the catalogue, which the expiry leaves time for.
  await ensureQueue(boss, QUEUES.hostChange, {
    retryLimit: 5,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: 600,
    heartbeatSeconds,
    notify: true,
  });
  // `stately`: at most one queued and one running, so a push during an import queues
  // exactly one more, and overlapping polls never run side by side.
  await ensureQueue(boss, QUEUES.catalogueImport, {
    policy: "stately",
    retryLimit: 3,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 900,
    heartbeatSeconds,
    notify: true,
  });
  // `stately`: one evaluation queued and one running at most, across every replica.
  await ensureQueue(boss, QUEUES.progression, {
    policy: "stately",
    retryLimit: 2,
    retryDelay: 10,
    expireInSeconds: 600,
    heartbeatSeconds,
    notify: true,
  });
  await ensureQueue(boss, QUEUES.pollPullRequests, {
    policy: "stately",
    retryLimit: 0,
    expireInSeconds: 300,
    heartbeatSeconds,
  });
  return boss;
}

/**
 * Creates a queue, or brings an existing one to `options`: pg-boss keeps a
 * queue's first options otherwise, and an installation made with longer
 * expiries (or none of the heartbeats) would keep them.
 */
async function ensureQueue(
  boss: PgBoss,
  name: string,
  options: Omit<Queue, "name">,
): Promise<void> {
  await boss.createQueue(name, options);
  const { policy: _policy, partition: _partition, ...changeable } = options;
  await boss.updateQueue(name, changeable);
}
