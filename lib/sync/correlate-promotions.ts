import { getConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import type { HealthState, PrismaClient, SyncState } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { lockPromotion, notePromotion, transition } from "@/lib/promotion/transitions";
import { clustersThatReport } from "@/lib/sync-status/clusters-that-report";
import { isStale } from "@/lib/sync-status/list-sync-status";

/**
 * Follows merged promotions to `deployed` from what the clusters report.
 * Called after every accepted report, for the applications it named:
 *
 * - `merged → syncing` as soon as a cluster of the target environment
 *   reports the application after the merge without every cluster being
 *   done (OutOfSync, Progressing, or Synced at an older revision);
 * - `→ deployed` when every active (not archived) cluster of the target
 *   environment, heard from within the staleness bound, reports every
 *   object of the application Synced and Healthy, and those carrying a
 *   revision carry the merge commit or a descendant of it (asked of the Git
 *   provider, answers cached). The lead time (pull request opened →
 *   deployed) is recorded, and the event lists when each cluster converged.
 * - `→ failed` when a cluster reports a failed sync operation (Argo CD
 *   operationState Failed/Error, Flux Ready=False with a failure reason) for
 *   the merge commit or a descendant of it, with the cluster's message as the
 *   promotion's failure reason; a failure for an older revision says nothing
 *   about this promotion;
 * - Degraded at the merge commit (or later) keeps the promotion `syncing`
 *   and records the cluster's message as an event: Degraded is often passing
 *   (a rollout still replacing pods), so it alone never fails a promotion.
 *
 * Every change re-reads the promotion's state under its row lock, so
 * concurrent reports and replays change nothing twice.
 */

export interface CorrelationResult {
  /** Promotions of the reported applications still on their way (merged or syncing). */
  followed: number;
  syncing: number;
  deployed: number;
  failed: number;
  /** Degraded notes recorded. */
  notes: number;
}

/** A promotion's merge commit as one cluster reports it. */
type ClusterVerdict =
  | { kind: "converged"; cluster: string; since: Date }
  | { kind: "degraded"; cluster: string; revision: string; message: string | null }
  | { kind: "failed"; cluster: string; revision: string; message: string }
  | { kind: "waiting"; cluster: string; reported: boolean };

interface StatusRow {
  clusterId: string;
  applicationId: string;
  syncState: SyncState;
  health: HealthState;
  syncedRevision: string | null;
  message: string | null;
  operationPhase: string | null;
  operationMessage: string | null;
  operationRevision: string | null;
  changedAt: Date;
}

const FAILED_PHASES: ReadonlySet<string> = new Set(["Failed", "Error"]);

export async function correlatePromotions(params: {
  db: PrismaClient;
  environmentId: string;
  applicationIds: readonly string[];
  /** The Git provider, asked only when a cluster reports a revision other than the merge commit. */
  git: GitReader | (() => GitReader);
  now?: Date;
  staleAfterSeconds?: number;
}): Promise<CorrelationResult> {
  const { db, environmentId } = params;
  const result: CorrelationResult = { followed: 0, syncing: 0, deployed: 0, failed: 0, notes: 0 };
  if (params.applicationIds.length === 0) return result;

  // The one query every report pays for; the rest runs only while a promotion is in flight.
  const promotions = await db.promotion.findMany({
    where: {
      state: { in: ["merged", "syncing"] },
      toEnvironmentId: environmentId,
      applicationId: { in: [...params.applicationIds] },
      mergeCommit: { not: null },
    },
    select: { id: true, applicationId: true, mergeCommit: true },
  });
  result.followed = promotions.length;
  if (promotions.length === 0) return result;

  const now = params.now ?? new Date();
  const staleAfterSeconds = params.staleAfterSeconds ?? getConfig().syncStaleAfterSeconds;
  const [clusters, rows] = await Promise.all([
    db.cluster.findMany({
      where: clustersThatReport(environmentId),
      select: { id: true, name: true, lastSeenAt: true },
      orderBy: { name: "asc" },
    }),
    db.syncStatus.findMany({
      where: {
        environmentId,
        applicationId: { in: promotions.map((p) => p.applicationId) },
        deletedAt: null,
      },
      select: {
        clusterId: true,
        applicationId: true,
        syncState: true,
        health: true,
        syncedRevision: true,
        message: true,
        operationPhase: true,
        operationMessage: true,
        operationRevision: true,
        changedAt: true,
      },
    }),
  ]);
  const reader = lazily(params.git);

  for (const promotion of promotions) {
    const mergeCommit = promotion.mergeCommit;
    if (mergeCommit === null) continue;
    const atOrAfterMerge = (revision: string) => includesCommit(reader, mergeCommit, revision);
    const verdicts: ClusterVerdict[] = [];
    for (const cluster of clusters) {
      const own = rows.filter(
        (row) => row.clusterId === cluster.id && row.applicationId === promotion.applicationId,
      );
      verdicts.push(
        isStale(cluster.lastSeenAt, now, staleAfterSeconds)
          ? { kind: "waiting", cluster: cluster.name, reported: false }
          : await clusterVerdict(cluster.name, own, atOrAfterMerge),
      );
    }
    const outcome = await settle({ db, promotionId: promotion.id, mergeCommit, verdicts });
    if (outcome === "syncing") result.syncing += 1;
    if (outcome === "deployed") result.deployed += 1;
    if (outcome === "failed") result.failed += 1;
    if (outcome === "noted") result.notes += 1;
  }
  return result;
}

async function clusterVerdict(
  cluster: string,
  rows: readonly StatusRow[],
  atOrAfterMerge: (revision: string) => Promise<boolean>,
): Promise<ClusterVerdict> {
  if (rows.length === 0) return { kind: "waiting", cluster, reported: false };
  let evidence = 0;
  let done = true;
  let since = new Date(0);
  for (const row of rows) {
    if (row.operationPhase !== null && FAILED_PHASES.has(row.operationPhase)) {
      const tried = commitOf(row.operationRevision);
      if (tried !== null && (await atOrAfterMerge(tried))) {
        return {
          kind: "failed",
          cluster,
          revision: tried,
          message: row.operationMessage ?? row.message ?? `sync operation ${row.operationPhase}`,
        };
      }
    }
  }
  for (const row of rows) {
    const commit = commitOf(row.syncedRevision);
    const current = commit !== null && (await atOrAfterMerge(commit));
    if (current && row.health === "Degraded") {
      return { kind: "degraded", cluster, revision: commit, message: row.message };
    }
    if (commit !== null) {
      // Objects that carry a revision must carry the merge commit or a later one.
      if (current && row.syncState === "Synced" && row.health === "Healthy") evidence += 1;
      else done = false;
    } else if (row.health !== "Healthy" || row.syncState === "OutOfSync") {
      // Objects without a revision (Deployments without the annotation, HelmRelease chart
      // versions) must still be healthy and not mid-rollout.
      done = false;
    }
    if (row.changedAt > since) since = row.changedAt;
  }
  return done && evidence > 0
    ? { kind: "converged", cluster, since }
    : { kind: "waiting", cluster, reported: true };
}

type Outcome = "syncing" | "deployed" | "failed" | "noted" | "none";

async function settle(params: {
  db: PrismaClient;
  promotionId: string;
  mergeCommit: string;
  verdicts: readonly ClusterVerdict[];
}): Promise<Outcome> {
  const { db, promotionId, verdicts } = params;
  const short = params.mergeCommit.slice(0, 12);
  const converged = verdicts.filter((v) => v.kind === "converged");
  const degraded = verdicts.filter((v) => v.kind === "degraded");
  const deployed = verdicts.length > 0 && converged.length === verdicts.length;
  const reported = verdicts.some((v) => v.kind !== "waiting" || v.reported);
  const degradedWords = degraded
    .map(
      (v) =>
        `cluster ${v.cluster} reports Degraded at ${v.revision.slice(0, 12)}` +
        (v.message ? `: ${v.message.slice(0, 500)}` : ""),
    )
    .join("; ");

  const failed = verdicts.filter((v) => v.kind === "failed");

  return db.$transaction(async (tx) => {
    const state = await lockPromotion(tx, promotionId);
    if (state !== "merged" && state !== "syncing") return "none";
    if (failed.length > 0) {
      const reason = failed
        .map(
          (v) =>
            `cluster ${v.cluster} failed to sync ${v.revision.slice(0, 12)}: ${v.message.slice(0, 500)}`,
        )
        .join("; ");
      await transition({
        tx,
        promotionId,
        to: "failed",
        from: ["merged", "syncing"],
        actor: GANTRY_ACTOR,
        detail: reason,
        data: { failureReason: reason.slice(0, 2_000) },
      });
      return "failed";
    }
    if (deployed) {
      const detail = `every cluster reports ${short} (or later) synced and healthy: ${converged
        .map((v) => `${v.cluster} since ${v.since.toISOString()}`)
        .join(", ")}`;
      await transition({
        tx,
        promotionId,
        to: "deployed",
        from: ["merged", "syncing"],
        actor: GANTRY_ACTOR,
        detail,
      });
      return "deployed";
    }
    if (state === "merged" && reported) {
      const waiting = verdicts.filter((v) => v.kind !== "converged").map((v) => v.cluster);
      await transition({
        tx,
        promotionId,
        to: "syncing",
        from: ["merged"],
        actor: GANTRY_ACTOR,
        detail:
          `clusters report after the merge of ${short}; waiting for ${waiting.join(", ")}` +
          (degradedWords ? `; ${degradedWords}` : ""),
      });
      return "syncing";
    }
    if (state === "syncing" && degradedWords) {
      // Recorded once per wording: a cluster that keeps reporting the same trouble adds nothing.
      const noted = await notePromotion({
        tx,
        promotionId,
        actor: GANTRY_ACTOR,
        detail: degradedWords,
        once: true,
      });
      if (!noted) return "none";
      return "noted";
    }
    return "none";
  });
}

/**
 * The commit SHA in a reported revision: agents send bare SHAs, but a Flux
 * revision may still read `main@sha1:<sha>`. Null when there is none (a Helm
 * chart version, an image tag).
 */
export function commitOf(revision: string | null): string | null {
  if (revision === null) return null;
  const found = /(?:^|[^0-9a-f])([0-9a-f]{40}|[0-9a-f]{64})$/.exec(revision.toLowerCase());
  return found?.[1] ?? null;
}

// Ancestry of two commits never changes: answers are kept for the process's lifetime.
const MAX_CACHED_ANSWERS = 10_000;
const ancestry = new Map<string, boolean>();

/** Whether `revision` is `mergeCommit` or a descendant of it; unknown revisions are not. */
async function includesCommit(
  git: () => GitReader,
  mergeCommit: string,
  revision: string,
): Promise<boolean> {
  if (revision === mergeCommit) return true;
  const key = `${mergeCommit}..${revision}`;
  const cached = ancestry.get(key);
  if (cached !== undefined) return cached;
  let answer: boolean;
  try {
    answer = await git().isAncestor({ ancestor: mergeCommit, descendant: revision });
  } catch (error) {
    // A revision the repository does not have (yet, or another repository's) proves nothing;
    // it is asked again next time, since a fetch may bring it.
    if (isGantryError(error) && error.code === "not_found") return false;
    throw error;
  }
  if (ancestry.size >= MAX_CACHED_ANSWERS) ancestry.clear();
  ancestry.set(key, answer);
  return answer;
}

function lazily(git: GitReader | (() => GitReader)): () => GitReader {
  if (typeof git !== "function") return () => git;
  let made: GitReader | undefined;
  return () => {
    made ??= git();
    return made;
  };
}
