import type { PgBoss } from "pg-boss";
import { recordStaleClusters } from "@/lib/audit/record-cluster-staleness";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";

/** Looks for clusters past the staleness bound and records `cluster.stale` once per silence. */
const STALE_CLUSTER_QUEUE = "cluster.stale-check";
const STALE_CLUSTER_CRON = "* * * * *";

/**
 * The stale-cluster check: a cron job (every minute, `stately` so checks
 * never overlap) in the job runner. Any number of runners may schedule it;
 * the check itself records each stale period once (under the cluster's lock).
 */
export async function startStaleClusterWorker(params: {
  boss: PgBoss;
  db: PrismaClient;
  staleAfterSeconds: number;
}): Promise<void> {
  const { boss, db } = params;
  await boss.createQueue(STALE_CLUSTER_QUEUE, {
    policy: "stately",
    retryLimit: 0,
    expireInSeconds: 120,
  });
  await boss.work(STALE_CLUSTER_QUEUE, { pollingIntervalSeconds: 10 }, async () => {
    const stale = await recordStaleClusters({ db, staleAfterSeconds: params.staleAfterSeconds });
    if (stale.length > 0) log.warn("clusters went stale", { clusters: stale });
  });
  await boss.schedule(STALE_CLUSTER_QUEUE, STALE_CLUSTER_CRON);
}
