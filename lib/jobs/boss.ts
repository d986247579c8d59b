import { PgBoss } from "pg-boss";
import { log } from "@/lib/log";

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
} as const;

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
}

/** A started PgBoss with Gantry's queues created. Stop it with `boss.stop()`. */
export async function startBoss(databaseUrl: string, options: BossOptions = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOBS_SCHEMA,
    application_name: "gantry-jobs",
    max: options.max ?? 5,
    supervise: options.supervise ?? false,
    schedule: false,
    useListenNotify: options.listen ?? false,
    __test__enableSpies: options.spies ?? false,
  });
  // An 'error' event without a listener would crash the process; pg-boss
  // reports connection blips here and keeps going.
  boss.on("error", (error) => log.error("job queue error", { error }));
  await boss.start();
  await boss.createQueue(QUEUES.openPullRequest, { ...OPEN_PULL_REQUEST_RETRIES, notify: true });
  return boss;
}
