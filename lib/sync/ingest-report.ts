/*
 * lib/sync owns what the portal does with cluster reports: cluster tokens, ingestion, staleness
 * and correlating status with promotions.
 */

import { recordClusterRecovery } from "@/lib/audit/record-cluster-staleness";
import { GantryError } from "@/lib/errors";
import { notifySyncChange } from "@/lib/events/changes";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { getGitProvider } from "@/lib/git";
import type { GitReader } from "@/lib/git/provider";
import { log, logUnexpected } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import type { ReleaseJobs } from "@/lib/releases/types";
import {
  SNAPSHOT_PARTS_WITHIN_SECONDS,
  type StatusItem,
  type SyncReport,
} from "@/lib/sync-status/report";
import type { ReportingCluster } from "./authenticate-cluster";
import { correlatePromotions } from "./correlate-promotions";

export interface IngestResult {
  cluster: string;
  kind: SyncReport["kind"];
  /** Items in the report (after collapsing repeats of one object to its newest state). */
  items: number;
  /** Status rows inserted or updated. */
  written: number;
  /** Items older than, or identical to, what is stored: nothing to write. */
  unchanged: number;
  /** History rows appended (sync, health or a revision changed). */
  changes: number;
  /** Objects a snapshot did not list, now Missing. */
  missing: number;
  /** For one part of a multi-part snapshot: which part, and what became of the snapshot. */
  snapshotPart?: {
    part: number;
    parts: number;
    /** waiting: more parts to come; complete: every part arrived, absent objects marked; discarded: too late, nothing marked. */
    outcome: "waiting" | "complete" | "discarded";
  };
}

interface RejectedItem {
  index: number;
  application: string;
  environment: string;
  reason: string;
}

/** At most this many refused items are listed in the error and its details. */
const MAX_LISTED = 50;
const SNAPSHOT_MISSING_MESSAGE = "absent from the cluster's last full snapshot";

/**
 * Writes an authenticated, validated report into the current status and its
 * history, in one transaction:
 *
 * - every item must name an application of the catalogue and the cluster's
 *   own environment; otherwise the whole report is refused (422, listing the
 *   bad items), nothing is written, and the reason is kept on the cluster for
 *   /clusters;
 * - newest state wins: an item observed before the stored state of the same
 *   object is ignored, so reordered retries cannot move a row backwards;
 * - history rows are appended only when sync, health or a revision changed;
 * - a snapshot marks the cluster's objects it does not list as Missing; a
 *   snapshot in parts does so once its last part has arrived, over the
 *   objects of every part, and is discarded (nothing marked) when its parts
 *   took longer than SNAPSHOT_PARTS_WITHIN_SECONDS or a newer snapshot began;
 * - open pages are told (`pg_notify`, delivered on commit) when anything changed;
 * - the cluster's last-seen time, agent version and sequence are updated.
 *
 * Writes are a constant number of set-based statements whatever the size
 * of the report (unnest arrays, `ON CONFLICT … WHERE … IS DISTINCT FROM`),
 * and reports of one cluster are serialised by a lock on its row.
 *
 * Once written, merged promotions of the reported applications are followed
 * towards `deployed` (correlatePromotions). That step failing never fails
 * the report: what the cluster said is stored, and the next report retries.
 */
export async function ingestReport(params: {
  db: PrismaClient;
  cluster: ReportingCluster;
  report: SyncReport;
  receivedAt?: Date;
  /** Asked whether a reported revision descends from a merge commit; the process's provider by default. */
  git?: GitReader;
  /** Asked to evaluate the progression rules when a promotion reached deployed or failed. */
  releaseJobs?: ReleaseJobs;
}): Promise<IngestResult> {
  const result = await writeReport(params);
  metrics().reportsIngested.inc({ outcome: "accepted" });
  try {
    const correlation = await correlatePromotions({
      db: params.db,
      environmentId: params.cluster.environmentId,
      applicationIds: result.applicationIds,
      git: params.git ?? getGitProvider,
    });
    if (params.releaseJobs && (correlation.deployed > 0 || correlation.failed > 0)) {
      await params.releaseJobs.requestProgression({
        reason: `cluster ${params.cluster.name} reported promotions deployed or failed`,
      });
    }
  } catch (error) {
    logUnexpected(error, { during: "promotion correlation", cluster: params.cluster.name });
  }
  return result.ingest;
}

async function writeReport(params: {
  db: PrismaClient;
  cluster: ReportingCluster;
  report: SyncReport;
  receivedAt?: Date;
}): Promise<{ ingest: IngestResult; applicationIds: string[] }> {
  const { db, cluster, report } = params;
  const receivedAt = (params.receivedAt ?? new Date()).toISOString();

  const slugs = [...new Set(report.items.map((item) => item.application))];
  const applications =
    slugs.length === 0
      ? []
      : await db.application.findMany({
          where: { slug: { in: slugs } },
          select: { id: true, slug: true },
        });
  const applicationIds = new Map(applications.map((app) => [app.slug, app.id]));

  const rejected = rejectedItems(report.items, cluster, applicationIds);
  if (rejected.length > 0) await refuse(db, cluster, rejected);

  const items = newestPerObject(report.items);
  const rows = {
    applicationIds: items.map((item) => applicationIds.get(item.application) ?? ""),
    kinds: items.map((item) => item.source.kind),
    namespaces: items.map((item) => item.source.namespace),
    names: items.map((item) => item.source.name),
    // A deleted object is Missing whatever its last state was.
    syncStates: items.map((item) => (item.deleted ? "Unknown" : item.syncState)),
    healths: items.map((item) => (item.deleted ? "Missing" : item.health)),
    syncedRevisions: items.map((item) => item.syncedRevision),
    attemptedRevisions: items.map((item) => item.attemptedRevision ?? null),
    images: items.map((item) => JSON.stringify(item.images ?? [])),
    messages: items.map((item) => item.message ?? null),
    operationPhases: items.map((item) => item.operation?.phase ?? null),
    operationMessages: items.map((item) => item.operation?.message ?? null),
    operationRevisions: items.map((item) => item.operation?.revision ?? null),
    observedAt: items.map((item) => item.observedAt),
    deleted: items.map((item) => item.deleted === true),
  };

  const ingest = await db.$transaction(
    async (tx): Promise<IngestResult> => {
      const [locked] = await tx.$queryRaw<{ lastSeenAt: Date | null }[]>`
        SELECT "lastSeenAt" FROM "Cluster" WHERE "id" = ${cluster.id}::uuid FOR UPDATE`;

      let written = 0;
      let changes = 0;
      if (items.length > 0) {
        const [counts] = await tx.$queryRaw<{ written: number; changes: number }[]>`
          WITH input AS (
            SELECT * FROM unnest(
              ${rows.applicationIds}::uuid[],
              ${rows.kinds}::text[],
              ${rows.namespaces}::text[],
              ${rows.names}::text[],
              ${rows.syncStates}::"SyncState"[],
              ${rows.healths}::"HealthState"[],
              ${rows.syncedRevisions}::text[],
              ${rows.attemptedRevisions}::text[],
              ${rows.images}::text[],
              ${rows.messages}::text[],
              ${rows.operationPhases}::text[],
              ${rows.operationMessages}::text[],
              ${rows.operationRevisions}::text[],
              ${rows.observedAt}::timestamptz[],
              ${rows.deleted}::boolean[]
            ) AS i(application_id, kind, namespace, name, sync_state, health, synced_revision,
                   attempted_revision, images, message, operation_phase, operation_message,
                   operation_revision, observed_at, deleted)
          ),
          prior AS (
            SELECT s."id", s."syncState", s."health", s."syncedRevision", s."attemptedRevision",
              s."operationPhase"
            FROM "SyncStatus" s
            JOIN input i ON s."clusterId" = ${cluster.id}::uuid AND s."sourceKind" = i.kind
              AND s."namespace" = i.namespace AND s."name" = i.name
          ),
          written AS (
            INSERT INTO "SyncStatus" ("clusterId", "applicationId", "environmentId", "sourceKind",
              "namespace", "name", "syncState", "health", "syncedRevision", "attemptedRevision",
              "images", "message", "operationPhase", "operationMessage", "operationRevision",
              "deletedAt", "observedAt", "receivedAt", "changedAt")
            SELECT ${cluster.id}::uuid, i.application_id, ${cluster.environmentId}::uuid, i.kind,
              i.namespace, i.name, i.sync_state, i.health, i.synced_revision, i.attempted_revision,
              ARRAY(SELECT jsonb_array_elements_text(i.images::jsonb)), i.message,
              i.operation_phase, i.operation_message, i.operation_revision,
              CASE WHEN i.deleted THEN i.observed_at AT TIME ZONE 'UTC' END,
              i.observed_at AT TIME ZONE 'UTC',
              ${receivedAt}::timestamptz AT TIME ZONE 'UTC',
              ${receivedAt}::timestamptz AT TIME ZONE 'UTC'
            FROM input i
            ON CONFLICT ("clusterId", "sourceKind", "namespace", "name") DO UPDATE SET
              "applicationId" = EXCLUDED."applicationId",
              "environmentId" = EXCLUDED."environmentId",
              "syncState" = EXCLUDED."syncState",
              "health" = EXCLUDED."health",
              "syncedRevision" = EXCLUDED."syncedRevision",
              "attemptedRevision" = EXCLUDED."attemptedRevision",
              "images" = EXCLUDED."images",
              "message" = EXCLUDED."message",
              "operationPhase" = EXCLUDED."operationPhase",
              "operationMessage" = EXCLUDED."operationMessage",
              "operationRevision" = EXCLUDED."operationRevision",
              "deletedAt" = CASE WHEN EXCLUDED."deletedAt" IS NULL THEN NULL
                ELSE COALESCE("SyncStatus"."deletedAt", EXCLUDED."deletedAt") END,
              "observedAt" = EXCLUDED."observedAt",
              "receivedAt" = EXCLUDED."receivedAt",
              "changedAt" = CASE
                WHEN ("SyncStatus"."syncState", "SyncStatus"."health", "SyncStatus"."syncedRevision",
                      "SyncStatus"."attemptedRevision", "SyncStatus"."operationPhase")
                  IS DISTINCT FROM (EXCLUDED."syncState", EXCLUDED."health", EXCLUDED."syncedRevision",
                      EXCLUDED."attemptedRevision", EXCLUDED."operationPhase")
                THEN EXCLUDED."receivedAt" ELSE "SyncStatus"."changedAt" END
            WHERE "SyncStatus"."observedAt" <= EXCLUDED."observedAt"
              AND ("SyncStatus"."applicationId", "SyncStatus"."environmentId", "SyncStatus"."syncState",
                   "SyncStatus"."health", "SyncStatus"."syncedRevision", "SyncStatus"."attemptedRevision",
                   "SyncStatus"."images", "SyncStatus"."message", "SyncStatus"."operationPhase",
                   "SyncStatus"."operationMessage", "SyncStatus"."operationRevision",
                   "SyncStatus"."deletedAt" IS NULL)
                IS DISTINCT FROM (EXCLUDED."applicationId", EXCLUDED."environmentId", EXCLUDED."syncState",
                   EXCLUDED."health", EXCLUDED."syncedRevision", EXCLUDED."attemptedRevision",
                   EXCLUDED."images", EXCLUDED."message", EXCLUDED."operationPhase",
                   EXCLUDED."operationMessage", EXCLUDED."operationRevision",
                   EXCLUDED."deletedAt" IS NULL)
            RETURNING "id", "applicationId", "syncState", "health", "syncedRevision",
              "attemptedRevision", "message", "operationPhase", "observedAt", "receivedAt"
          ),
          changes AS (
            INSERT INTO "SyncStatusChange" ("syncStatusId", "applicationId", "clusterId", "syncState",
              "health", "syncedRevision", "attemptedRevision", "message", "observedAt", "receivedAt")
            SELECT w."id", w."applicationId", ${cluster.id}::uuid, w."syncState", w."health",
              w."syncedRevision", w."attemptedRevision", w."message", w."observedAt", w."receivedAt"
            FROM written w
            LEFT JOIN prior p ON p."id" = w."id"
            WHERE p."id" IS NULL
              OR (p."syncState", p."health", p."syncedRevision", p."attemptedRevision", p."operationPhase")
                IS DISTINCT FROM (w."syncState", w."health", w."syncedRevision", w."attemptedRevision",
                  w."operationPhase")
            RETURNING 1
          )
          SELECT (SELECT count(*) FROM written)::int AS written,
                 (SELECT count(*) FROM changes)::int AS changes`;
        written = counts?.written ?? 0;
        changes = counts?.changes ?? 0;
      }

      let missing = 0;
      let snapshotPart: IngestResult["snapshotPart"];
      const part = report.snapshotPart;
      if (report.kind === "snapshot" && part && part.parts > 1) {
        const outcome = await recordSnapshotPart(tx, {
          clusterId: cluster.id,
          part,
          sentAt: report.sentAt,
          receivedAt,
          rows,
        });
        snapshotPart = { part: part.part, parts: part.parts, outcome: outcome.kind };
        if (outcome.kind === "complete") {
          // The keys of every part, as parameter arrays: the planner sizes those right (a
          // lateral unnest over the stored parts gets a nested loop of 12,000 × 12,000).
          const stored = await tx.syncSnapshotPart.findMany({
            where: { clusterId: cluster.id, snapshotId: part.snapshotId },
            select: { kinds: true, namespaces: true, names: true },
          });
          const kinds = stored.flatMap((p) => p.kinds);
          const namespaces = stored.flatMap((p) => p.namespaces);
          const names = stored.flatMap((p) => p.names);
          const marked = await markAbsentMissing(tx, {
            clusterId: cluster.id,
            present: Prisma.sql`
              SELECT * FROM unnest(${kinds}::text[], ${namespaces}::text[], ${names}::text[])
                AS p(kind, namespace, name)`,
            takenAt: outcome.takenAt,
            receivedAt,
          });
          await tx.syncSnapshotPart.deleteMany({
            where: { clusterId: cluster.id, snapshotId: part.snapshotId },
          });
          missing = marked.missing;
          changes += marked.changes;
        }
      } else if (report.kind === "snapshot") {
        const marked = await markAbsentMissing(tx, {
          clusterId: cluster.id,
          present: Prisma.sql`
            SELECT * FROM unnest(${rows.kinds}::text[], ${rows.namespaces}::text[], ${rows.names}::text[])
              AS p(kind, namespace, name)`,
          takenAt: report.sentAt,
          receivedAt,
        });
        missing = marked.missing;
        changes += marked.changes;
      }

      if (written > 0 || missing > 0) {
        // Rows marked Missing may belong to any application: then name none (= any).
        await notifySyncChange(tx, {
          cluster: cluster.name,
          applications: missing > 0 ? null : slugs,
        });
      }

      await recordClusterRecovery(tx, {
        cluster: cluster.name,
        previousLastSeenAt: locked?.lastSeenAt ?? null,
        receivedAt: new Date(receivedAt),
      });
      await tx.cluster.update({
        where: { id: cluster.id },
        data: {
          lastSeenAt: new Date(receivedAt),
          agentVersion: report.agent.version,
          agentMode: report.agent.mode,
          lastSequence: BigInt(report.sequence),
          lastReportError: null,
          lastReportErrorAt: null,
        },
        select: { id: true },
      });

      return {
        cluster: cluster.name,
        kind: report.kind,
        items: items.length,
        written,
        unchanged: items.length - written,
        changes,
        missing,
        ...(snapshotPart ? { snapshotPart } : {}),
      };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  return { ingest, applicationIds: [...applicationIds.values()] };
}

/**
 * Marks the cluster's objects not in `present` (a query of kind, namespace,
 * name) as Missing, when they were last observed before the snapshot was
 * taken, with a history row each.
 */
async function markAbsentMissing(
  tx: Prisma.TransactionClient,
  params: { clusterId: string; present: Prisma.Sql; takenAt: string; receivedAt: string },
): Promise<{ missing: number; changes: number }> {
  const { clusterId, takenAt, receivedAt } = params;
  const [counts] = await tx.$queryRaw<{ missing: number; changes: number }[]>`
    WITH present AS (${params.present}),
    gone AS (
      SELECT s."id", s."syncState", s."health" FROM "SyncStatus" s
      WHERE s."clusterId" = ${clusterId}::uuid
        AND s."deletedAt" IS NULL
        AND s."observedAt" <= (${takenAt}::timestamptz AT TIME ZONE 'UTC')
        AND NOT EXISTS (
          SELECT 1 FROM present p
          WHERE p.kind = s."sourceKind" AND p.namespace = s."namespace" AND p.name = s."name"
        )
    ),
    marked AS (
      UPDATE "SyncStatus" s SET
        "syncState" = 'Unknown',
        "health" = 'Missing',
        "message" = ${SNAPSHOT_MISSING_MESSAGE},
        "deletedAt" = ${takenAt}::timestamptz AT TIME ZONE 'UTC',
        "observedAt" = ${takenAt}::timestamptz AT TIME ZONE 'UTC',
        "receivedAt" = ${receivedAt}::timestamptz AT TIME ZONE 'UTC',
        "changedAt" = ${receivedAt}::timestamptz AT TIME ZONE 'UTC'
      FROM gone g WHERE s."id" = g."id"
      RETURNING s."id", s."applicationId", s."syncState", s."health", s."syncedRevision",
        s."attemptedRevision", s."message", s."observedAt", s."receivedAt",
        g."syncState" AS prior_sync_state, g."health" AS prior_health
    ),
    changes AS (
      INSERT INTO "SyncStatusChange" ("syncStatusId", "applicationId", "clusterId", "syncState",
        "health", "syncedRevision", "attemptedRevision", "message", "observedAt", "receivedAt")
      SELECT m."id", m."applicationId", ${clusterId}::uuid, m."syncState", m."health",
        m."syncedRevision", m."attemptedRevision", m."message", m."observedAt", m."receivedAt"
      FROM marked m
      WHERE (m.prior_sync_state, m.prior_health) IS DISTINCT FROM (m."syncState", m."health")
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM marked)::int AS missing, (SELECT count(*) FROM changes)::int AS changes`;
  return { missing: counts?.missing ?? 0, changes: counts?.changes ?? 0 };
}

type PartOutcome =
  | { kind: "waiting" }
  | { kind: "discarded" }
  /** `takenAt`: when the first part was sent; objects observed since are not judged. */
  | { kind: "complete"; takenAt: string };

/**
 * Keeps the object keys of one snapshot part until its siblings arrive.
 * Parts of older snapshots of the cluster, and parts past the bound, are
 * dropped first: an agent sends one snapshot at a time, so a new snapshot id
 * means the old one will never be completed.
 */
async function recordSnapshotPart(
  tx: Prisma.TransactionClient,
  params: {
    clusterId: string;
    part: NonNullable<SyncReport["snapshotPart"]>;
    sentAt: string;
    receivedAt: string;
    rows: { kinds: string[]; namespaces: string[]; names: string[] };
  },
): Promise<PartOutcome> {
  const { clusterId, part, receivedAt, rows } = params;
  const oldest = new Date(Date.parse(receivedAt) - SNAPSHOT_PARTS_WITHIN_SECONDS * 1000);
  const dropped = await tx.syncSnapshotPart.deleteMany({
    where: {
      clusterId,
      OR: [{ snapshotId: { not: part.snapshotId } }, { receivedAt: { lt: oldest } }],
    },
  });
  if (dropped.count > 0) {
    log.warn("sync: discarded an incomplete snapshot", { clusterId, parts: dropped.count });
  }
  const data = {
    parts: part.parts,
    sentAt: new Date(params.sentAt),
    receivedAt: new Date(receivedAt),
    kinds: rows.kinds,
    namespaces: rows.namespaces,
    names: rows.names,
  };
  await tx.syncSnapshotPart.upsert({
    where: {
      clusterId_snapshotId_part: { clusterId, snapshotId: part.snapshotId, part: part.part },
    },
    create: { clusterId, snapshotId: part.snapshotId, part: part.part, ...data },
    update: data,
    select: { part: true },
  });
  const arrived = await tx.syncSnapshotPart.findMany({
    where: { clusterId, snapshotId: part.snapshotId },
    select: { part: true, parts: true, sentAt: true },
  });
  const complete =
    arrived.length === part.parts &&
    arrived.every((p) => p.parts === part.parts && p.part >= 1 && p.part <= part.parts);
  if (!complete) {
    if (arrived.some((p) => p.parts !== part.parts)) {
      // The agent changed its mind about the count: the snapshot cannot be trusted.
      await tx.syncSnapshotPart.deleteMany({ where: { clusterId, snapshotId: part.snapshotId } });
      return { kind: "discarded" };
    }
    return { kind: "waiting" };
  }
  const takenAt = new Date(Math.min(...arrived.map((p) => p.sentAt.getTime()))).toISOString();
  return { kind: "complete", takenAt };
}

function rejectedItems(
  items: readonly StatusItem[],
  cluster: ReportingCluster,
  applicationIds: ReadonlyMap<string, string>,
): RejectedItem[] {
  const rejected: RejectedItem[] = [];
  items.forEach((item, index) => {
    const reasons: string[] = [];
    if (!applicationIds.has(item.application)) {
      reasons.push(`application ${item.application} is not in the catalogue`);
    }
    if (item.environment !== cluster.environment) {
      reasons.push(
        `cluster ${cluster.name} is registered for environment ${cluster.environment}, not ${item.environment}`,
      );
    }
    if (reasons.length > 0) {
      rejected.push({
        index,
        application: item.application,
        environment: item.environment,
        reason: reasons.join("; "),
      });
    }
  });
  return rejected;
}

async function refuse(
  db: PrismaClient,
  cluster: ReportingCluster,
  rejected: readonly RejectedItem[],
): Promise<never> {
  const listed = rejected.slice(0, MAX_LISTED);
  const message =
    `report refused, nothing written: ${rejected.length} item(s) name applications or environments ` +
    `cluster ${cluster.name} is not registered for: ` +
    listed.map((item) => `items[${item.index}]: ${item.reason}`).join("; ") +
    (rejected.length > listed.length ? `; … and ${rejected.length - listed.length} more` : "");
  // Kept for /clusters, so a misconfigured agent is visible without reading logs.
  await db.cluster.update({
    where: { id: cluster.id },
    data: { lastReportError: message.slice(0, 2_000), lastReportErrorAt: new Date() },
    select: { id: true },
  });
  log.warn("sync report refused", {
    cluster: cluster.name,
    rejectedItems: rejected.length,
    first: listed.slice(0, 5),
  });
  throw new GantryError("unprocessable", message, {
    details: { rejected: listed, rejectedCount: rejected.length },
  });
}

/** One item per object: the newest observation (the later one on a tie). */
function newestPerObject(items: readonly StatusItem[]): StatusItem[] {
  const newest = new Map<string, StatusItem>();
  for (const item of items) {
    const key = `${item.source.kind}\u0000${item.source.namespace}\u0000${item.source.name}`;
    const seen = newest.get(key);
    if (!seen || Date.parse(seen.observedAt) <= Date.parse(item.observedAt)) newest.set(key, item);
  }
  return [...newest.values()];
}
