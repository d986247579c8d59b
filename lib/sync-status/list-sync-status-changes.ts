import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { HealthState, SyncState } from "@/lib/sync-status/report";

export interface SyncStatusChangeView {
  cluster: string;
  environment: string;
  object: { kind: string; namespace: string; name: string };
  syncState: SyncState;
  health: HealthState;
  syncedRevision: string | null;
  attemptedRevision: string | null;
  message: string | null;
  observedAt: Date;
  receivedAt: Date;
}

/** An application's status history, newest first (one indexed range scan). */
export async function listSyncStatusChanges(params: {
  db: PrismaClient;
  application: string;
  limit?: number;
}): Promise<SyncStatusChangeView[]> {
  const app = await params.db.application.findUnique({
    where: { slug: params.application },
    select: { id: true },
  });
  if (!app) {
    throw new GantryError(
      "not_found",
      `No application named "${params.application}" in the catalogue`,
    );
  }
  const rows = await params.db.syncStatusChange.findMany({
    where: { applicationId: app.id },
    orderBy: [{ observedAt: "desc" }, { receivedAt: "desc" }],
    take: Math.min(Math.max(params.limit ?? 50, 1), 500),
    select: {
      syncState: true,
      health: true,
      syncedRevision: true,
      attemptedRevision: true,
      message: true,
      observedAt: true,
      receivedAt: true,
      syncStatus: {
        select: {
          sourceKind: true,
          namespace: true,
          name: true,
          cluster: { select: { name: true } },
          environment: { select: { name: true } },
        },
      },
    },
  });
  return rows.map((row) => ({
    cluster: row.syncStatus.cluster.name,
    environment: row.syncStatus.environment.name,
    object: {
      kind: row.syncStatus.sourceKind,
      namespace: row.syncStatus.namespace,
      name: row.syncStatus.name,
    },
    syncState: row.syncState,
    health: row.health,
    syncedRevision: row.syncedRevision,
    attemptedRevision: row.attemptedRevision,
    message: row.message,
    observedAt: row.observedAt,
    receivedAt: row.receivedAt,
  }));
}
