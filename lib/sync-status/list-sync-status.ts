import { getConfig } from "@/lib/config";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { HealthState, SyncState } from "./report";

/**
 * Sync status as people see it. Staleness is decided here, at read time:
 * a cluster whose last accepted report is older than the bound (or that never
 * reported) reads as Unknown/Unknown with `stale: true` — the stored state is
 * still returned as `reported`, so the page can say what it last heard, but
 * nothing reads as Synced without a recent report.
 */

interface SyncObjectView {
  kind: string;
  namespace: string;
  name: string;
  syncState: SyncState;
  health: HealthState;
  syncedRevision: string | null;
  attemptedRevision: string | null;
  images: string[];
  message: string | null;
  /** The controller's last sync operation, when it reports one (Failed/Error: a failure). */
  operation: { phase: string; message: string | null; revision: string | null } | null;
  observedAt: Date;
  deleted: boolean;
}

/** A sync operation that failed (Argo CD Failed/Error, Flux Ready=False with a failure reason). */
interface SyncFailureView {
  /** The object it was reported on, `kind namespace/name`. */
  object: string;
  phase: string;
  message: string | null;
  revision: string | null;
}

const FAILED_PHASES = ["Failed", "Error"];

export interface ApplicationSyncRow {
  environment: { name: string; displayName: string; position: number };
  /** `agentMode` is how the cluster last reported: agent, watcher, or demo (the embedded demo feed). */
  cluster: { name: string; region: string | null; agentMode: string | null };
  /** What Git says should run (DeploymentTarget). */
  desiredVersion: string | null;
  desiredCommit: string;
  /** What the cluster says runs, combined over its objects for this app; Unknown when stale. */
  syncState: SyncState;
  health: HealthState;
  syncedRevision: string | null;
  stale: boolean;
  /** The cluster's last accepted report; null when it never reported. */
  lastSeenAt: Date | null;
  /** The state as last reported, before staleness is applied; null when nothing was reported. */
  reported: { syncState: SyncState; health: HealthState } | null;
  message: string | null;
  /** A failed sync operation of an object still in the cluster; null when none failed. */
  failure: SyncFailureView | null;
  objects: SyncObjectView[];
}

export interface ClusterSyncSummary {
  name: string;
  environment: { name: string; displayName: string };
  region: string | null;
  provider: string | null;
  hasToken: boolean;
  agentVersion: string | null;
  agentMode: string | null;
  lastSeenAt: Date | null;
  stale: boolean;
  /** Objects by health; every object counts as Unknown while the cluster is stale. */
  health: Record<HealthState, number>;
  outOfSync: number;
  objects: number;
  lastReportError: string | null;
  lastReportErrorAt: Date | null;
  /** Registered on /clusters rather than listed in environments.yaml. */
  registeredInPortal: boolean;
  tokenCreatedAt: Date | null;
  /** Objects whose last sync operation failed, and the first few of them with their application. */
  failedOperations: number;
  failures: (SyncFailureView & { application: string })[];
}

/** Argo CD's order, best to worst: an app is as healthy as its least healthy object. */
const HEALTH_ORDER: readonly HealthState[] = [
  "Healthy",
  "Suspended",
  "Progressing",
  "Missing",
  "Degraded",
  "Unknown",
];
/** Kinds that carry the Git revision; a Deployment only carries images. */
const GITOPS_KINDS = new Set(["argocd-application", "flux-kustomization", "flux-helmrelease"]);

export function isStale(lastSeenAt: Date | null, now: Date, staleAfterSeconds: number): boolean {
  return lastSeenAt === null || now.getTime() - lastSeenAt.getTime() > staleAfterSeconds * 1000;
}

export function worstHealth(states: readonly HealthState[]): HealthState {
  if (states.length === 0) return "Unknown";
  return states.reduce((worst, state) =>
    HEALTH_ORDER.indexOf(state) > HEALTH_ORDER.indexOf(worst) ? state : worst,
  );
}

export function combinedSyncState(states: readonly SyncState[]): SyncState {
  if (states.length === 0) return "Unknown";
  if (states.includes("OutOfSync")) return "OutOfSync";
  if (states.includes("Unknown")) return "Unknown";
  return "Synced";
}

/** Per environment × cluster of an application: desired vs reported. */
export async function listApplicationSyncStatus(params: {
  db: PrismaClient;
  application: string;
  now?: Date;
  staleAfterSeconds?: number;
}): Promise<ApplicationSyncRow[]> {
  const { db } = params;
  const now = params.now ?? new Date();
  const staleAfterSeconds = params.staleAfterSeconds ?? getConfig().syncStaleAfterSeconds;

  const app = await db.application.findUnique({
    where: { slug: params.application },
    select: {
      id: true,
      targets: {
        where: { archivedAt: null, environment: { archivedAt: null } },
        select: {
          desiredVersion: true,
          desiredCommit: true,
          environment: {
            select: {
              id: true,
              name: true,
              displayName: true,
              position: true,
              clusters: {
                where: { archivedAt: null },
                select: { id: true, name: true, region: true, lastSeenAt: true, agentMode: true },
                orderBy: { name: "asc" },
              },
            },
          },
        },
        orderBy: { environment: { position: "asc" } },
      },
    },
  });
  if (!app) {
    throw new GantryError(
      "not_found",
      `No application named "${params.application}" in the catalogue`,
    );
  }

  const statuses = await db.syncStatus.findMany({
    where: { applicationId: app.id },
    select: {
      clusterId: true,
      environmentId: true,
      sourceKind: true,
      namespace: true,
      name: true,
      syncState: true,
      health: true,
      syncedRevision: true,
      attemptedRevision: true,
      images: true,
      message: true,
      operationPhase: true,
      operationMessage: true,
      operationRevision: true,
      observedAt: true,
      deletedAt: true,
    },
    orderBy: [{ sourceKind: "asc" }, { namespace: "asc" }, { name: "asc" }],
  });

  return app.targets.flatMap((target) =>
    target.environment.clusters.map((cluster): ApplicationSyncRow => {
      const objects = statuses
        .filter((s) => s.clusterId === cluster.id && s.environmentId === target.environment.id)
        .map(
          (s): SyncObjectView => ({
            kind: s.sourceKind,
            namespace: s.namespace,
            name: s.name,
            syncState: s.syncState,
            health: s.health,
            syncedRevision: s.syncedRevision,
            attemptedRevision: s.attemptedRevision,
            images: s.images,
            message: s.message,
            operation: s.operationPhase
              ? {
                  phase: s.operationPhase,
                  message: s.operationMessage,
                  revision: s.operationRevision,
                }
              : null,
            observedAt: s.observedAt,
            deleted: s.deletedAt !== null,
          }),
        );
      const stale = isStale(cluster.lastSeenAt, now, staleAfterSeconds);
      const reported =
        objects.length === 0
          ? null
          : {
              syncState: combinedSyncState(objects.map((o) => o.syncState)),
              health: worstHealth(objects.map((o) => o.health)),
            };
      const revisionSource = objects.find((o) => GITOPS_KINDS.has(o.kind)) ?? objects[0];
      const worst = objects.find((o) => o.health === reported?.health && o.message);
      const failed = objects.find(
        (o) => !o.deleted && o.operation && FAILED_PHASES.includes(o.operation.phase),
      );
      return {
        environment: {
          name: target.environment.name,
          displayName: target.environment.displayName,
          position: target.environment.position,
        },
        cluster: { name: cluster.name, region: cluster.region, agentMode: cluster.agentMode },
        desiredVersion: target.desiredVersion,
        desiredCommit: target.desiredCommit,
        syncState: stale || !reported ? "Unknown" : reported.syncState,
        health: stale || !reported ? "Unknown" : reported.health,
        syncedRevision: revisionSource?.syncedRevision ?? null,
        stale,
        lastSeenAt: cluster.lastSeenAt,
        reported,
        message: (worst ?? objects.find((o) => o.message))?.message ?? null,
        failure:
          failed?.operation != null
            ? {
                object: `${failed.kind} ${failed.namespace}/${failed.name}`,
                phase: failed.operation.phase,
                message: failed.operation.message,
                revision: failed.operation.revision,
              }
            : null,
        objects,
      };
    }),
  );
}

/** Every active cluster with its agent and object counts, for /clusters. */
export async function listClusterSyncSummaries(params: {
  db: PrismaClient;
  now?: Date;
  staleAfterSeconds?: number;
}): Promise<ClusterSyncSummary[]> {
  const { db } = params;
  const now = params.now ?? new Date();
  const staleAfterSeconds = params.staleAfterSeconds ?? getConfig().syncStaleAfterSeconds;

  const [clusters, counts, failedRows] = await Promise.all([
    db.cluster.findMany({
      where: { archivedAt: null },
      select: {
        id: true,
        name: true,
        region: true,
        provider: true,
        tokenHash: true,
        agentVersion: true,
        agentMode: true,
        lastSeenAt: true,
        lastReportError: true,
        lastReportErrorAt: true,
        registeredInPortal: true,
        tokenCreatedAt: true,
        environment: { select: { name: true, displayName: true, position: true } },
      },
      orderBy: [{ environment: { position: "asc" } }, { name: "asc" }],
    }),
    db.syncStatus.groupBy({
      by: ["clusterId", "health", "syncState"],
      _count: { _all: true },
    }),
    db.syncStatus.findMany({
      where: { operationPhase: { in: FAILED_PHASES }, deletedAt: null },
      select: {
        clusterId: true,
        sourceKind: true,
        namespace: true,
        name: true,
        operationPhase: true,
        operationMessage: true,
        operationRevision: true,
        application: { select: { slug: true } },
      },
      orderBy: { observedAt: "desc" },
      take: 500,
    }),
  ]);

  return clusters.map((cluster) => {
    const stale = isStale(cluster.lastSeenAt, now, staleAfterSeconds);
    const health: Record<HealthState, number> = {
      Healthy: 0,
      Progressing: 0,
      Degraded: 0,
      Suspended: 0,
      Missing: 0,
      Unknown: 0,
    };
    let outOfSync = 0;
    let objects = 0;
    const ownFailures = failedRows.filter((row) => row.clusterId === cluster.id);
    for (const row of counts) {
      if (row.clusterId !== cluster.id) continue;
      const n = row._count._all;
      objects += n;
      health[stale ? "Unknown" : row.health] += n;
      if (!stale && row.syncState === "OutOfSync") outOfSync += n;
    }
    return {
      name: cluster.name,
      environment: {
        name: cluster.environment.name,
        displayName: cluster.environment.displayName,
      },
      region: cluster.region,
      provider: cluster.provider,
      hasToken: cluster.tokenHash !== null,
      agentVersion: cluster.agentVersion,
      agentMode: cluster.agentMode,
      lastSeenAt: cluster.lastSeenAt,
      stale,
      health,
      outOfSync,
      objects,
      lastReportError: cluster.lastReportError,
      lastReportErrorAt: cluster.lastReportErrorAt,
      registeredInPortal: cluster.registeredInPortal,
      tokenCreatedAt: cluster.tokenCreatedAt,
      failedOperations: ownFailures.length,
      failures: ownFailures.slice(0, 3).map((row) => ({
        application: row.application.slug,
        object: `${row.sourceKind} ${row.namespace}/${row.name}`,
        phase: row.operationPhase ?? "Failed",
        message: row.operationMessage,
        revision: row.operationRevision,
      })),
    };
  });
}
