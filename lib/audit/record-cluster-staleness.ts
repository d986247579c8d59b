import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { getConfig } from "@/lib/config";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { GANTRY_ACTOR } from "@/lib/identity/actor";

/**
 * Records `cluster.stale` for every cluster whose last report is older than
 * the staleness bound, once per stale period: a period starts at the
 * cluster's last report, so a cluster that already has a `cluster.stale`
 * event after its `lastSeenAt` is skipped. Each event is written under the
 * cluster's row lock, so two job runners never record the same period twice.
 * A cluster that never reported is not stale, only unregistered.
 */
export async function recordStaleClusters(params: {
  db: PrismaClient;
  staleAfterSeconds?: number;
  now?: Date;
}): Promise<string[]> {
  const { db } = params;
  const staleAfterSeconds = params.staleAfterSeconds ?? getConfig().syncStaleAfterSeconds;
  const now = params.now ?? new Date();
  const bound = new Date(now.getTime() - staleAfterSeconds * 1000);
  const candidates = await db.$queryRaw<{ id: string; name: string }[]>`
    SELECT c."id", c."name" FROM "Cluster" c
    WHERE c."archivedAt" IS NULL
      AND c."lastSeenAt" < (${bound.toISOString()}::timestamptz AT TIME ZONE 'UTC')
      AND NOT EXISTS (
        SELECT 1 FROM "AuditEvent" a
        WHERE a."cluster" = c."name" AND a."action" = 'cluster.stale'
          AND a."at" >= (c."lastSeenAt" AT TIME ZONE 'UTC')
      )`;
  const recorded: string[] = [];
  for (const candidate of candidates) {
    const wrote = await db.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ lastSeenAt: Date | null }[]>`
        SELECT "lastSeenAt" FROM "Cluster" WHERE "id" = ${candidate.id}::uuid FOR UPDATE`;
      const lastSeenAt = row?.lastSeenAt;
      if (!lastSeenAt || lastSeenAt >= bound) return false;
      const seen = await tx.auditEvent.findFirst({
        where: { cluster: candidate.name, action: "cluster.stale", at: { gte: lastSeenAt } },
        select: { sequence: true },
      });
      if (seen) return false;
      await recordAuditEvent(tx, {
        actor: GANTRY_ACTOR,
        action: "cluster.stale",
        outcome: "failure",
        target: { type: "cluster", id: candidate.name, cluster: candidate.name },
        detail: {
          lastSeenAt: lastSeenAt.toISOString(),
          silentForSeconds: Math.round((now.getTime() - lastSeenAt.getTime()) / 1000),
          staleAfterSeconds,
        },
      });
      return true;
    });
    if (wrote) recorded.push(candidate.name);
  }
  return recorded;
}

/**
 * Inside an accepted report's transaction (the cluster row locked): records
 * `cluster.recovered` when the cluster's previous report was older than the
 * staleness bound, so reports resuming after a silence are on the timeline.
 */
export async function recordClusterRecovery(
  tx: Prisma.TransactionClient,
  params: {
    cluster: string;
    previousLastSeenAt: Date | null;
    receivedAt: Date;
    staleAfterSeconds?: number;
  },
): Promise<boolean> {
  const previous = params.previousLastSeenAt;
  if (!previous) return false;
  const staleAfterSeconds = params.staleAfterSeconds ?? getConfig().syncStaleAfterSeconds;
  const silentForSeconds = (params.receivedAt.getTime() - previous.getTime()) / 1000;
  if (silentForSeconds <= staleAfterSeconds) return false;
  await recordAuditEvent(tx, {
    actor: GANTRY_ACTOR,
    action: "cluster.recovered",
    target: { type: "cluster", id: params.cluster, cluster: params.cluster },
    detail: {
      lastSeenAt: previous.toISOString(),
      silentForSeconds: Math.round(silentForSeconds),
    },
  });
  return true;
}
