import { PgBoss } from "pg-boss";
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
  /** Re-imports the catalogue (after a push to the default branch). */
  catalogImport: "catalog.import",
  /** Reads open promotions' pull requests, for webhook deliveries that never came. */
  pollPullRequests: "promotion.poll",
} as const;

/** The one singleton key of catalogue imports: a burst of pushes coalesces into one queued import. */
export const CATALOG_IMPORT_KEY = "catalog";

/** How often the poller runs (cron, in the job runner). */
export const POLL_PULL_REQUESTS_CRON = "* * * * *";

/**
 * Retries with exponential backoff: 2 s, ~4 s, ~8 s … capped at 5 minutes,
 * six attempts in all; long enough to ride out a Git host's outage or
 * rate limit, short enough that a person waiting sees the failure the
 * same hour.
 */
export const OPEN_PULL_REQUEST_RETRIES = {
  retryLimit: 5,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 300,
  expireInSeconds: 300,
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
}

/** A started PgBoss with Gantry's queues created. Stop it with `boss.stop()`. */
export async function startBoss(databaseUrl: string, options: BossOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOBS_SCHEMA,
    application_name: "gantry-jobs",
    max: options.max ?? 5,
    supervise: options.supervise ?? false,
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
  await boss.createQueue(QUEUES.openPullRequest, { ...OPEN_PULL_REQUEST_RETRIES, notify: true });
  // `stately`: at most one queued and one running, so a push during an import queues
  // exactly one more, and overlapping polls never run side by side.
  await boss.createQueue(QUEUES.catalogImport, {
    policy: "stately",
    retryLimit: 3,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 900,
    notify: true,
  });
  await boss.createQueue(QUEUES.pollPullRequests, {
    policy: "stately",
    retryLimit: 0,
    expireInSeconds: 300,
  });
  return boss;
}
