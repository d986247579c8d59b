/*
 * lib/sync-status owns the status model: the report the agent sends (its wire format) and how a
 * status reads, with staleness and worst health.
 */

import { z } from "zod";

/**
 * The status report an in-cluster agent (or the portal-side watcher, or the
 * demo feed) pushes to `POST /api/v1/clusters/{cluster}/reports`. It is the
 * contract between lib/k8s (which builds reports) and lib/sync (which
 * ingests them): both import this schema, so they cannot drift apart.
 *
 * A `delta` carries only what changed since the last report; a `snapshot`
 * carries every object the agent watches, so the portal can mark anything
 * it has not heard about as Missing. A snapshot too big for one report
 * (more than MAX_ITEMS_PER_REPORT objects) is sent as parts sharing a
 * `snapshotPart.snapshotId`: the portal marks objects Missing only once every
 * part has arrived (absent from all parts = gone), and discards a snapshot
 * whose parts do not all arrive within SNAPSHOT_PARTS_WITHIN_SECONDS (nothing
 * is marked then). Bodies may be gzip-compressed (`Content-Encoding: gzip`).
 */

export const REPORT_SCHEMA_VERSION = 1;
/** Limits the ingest endpoint enforces; agents batch below them. */
export const MAX_ITEMS_PER_REPORT = 5_000;
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;
/** A snapshot has at most this many parts (500,000 objects). */
export const MAX_SNAPSHOT_PARTS = 100;
/** Every part of a snapshot must arrive within this long of its first, or the snapshot is discarded. */
export const SNAPSHOT_PARTS_WITHIN_SECONDS = 300;

const slug = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a lowercase slug");
const kubeName = z.string().min(1).max(253);

const SYNC_STATES = ["Synced", "OutOfSync", "Unknown"] as const;
const HEALTH_STATES = [
  "Healthy",
  "Progressing",
  "Degraded",
  "Suspended",
  "Missing",
  "Unknown",
] as const;
const SOURCE_KINDS = [
  "argocd-application",
  "flux-kustomization",
  "flux-helmrelease",
  "deployment",
] as const;

/** Phases of a sync operation; Failed and Error are failures a person must read. */
const OPERATION_PHASES = ["Running", "Succeeded", "Failed", "Error"] as const;

/**
 * The controller's last sync operation: Argo CD `status.operationState`, or for
 * Flux a Ready=False condition with a failure reason (ReconciliationFailed,
 * InstallFailed, UpgradeFailed, …), reported as Failed with `reason: message`.
 */
const OperationSchema = z.strictObject({
  phase: z.enum(OPERATION_PHASES),
  message: z.string().max(2_000).optional(),
  /** The revision the operation tried to apply. */
  revision: z.string().max(200).nullable().optional(),
});

export const StatusItemSchema = z.strictObject({
  application: slug,
  environment: slug,
  /** The Kubernetes object the status was read from. */
  source: z.strictObject({
    kind: z.enum(SOURCE_KINDS),
    namespace: kubeName,
    name: kubeName,
  }),
  syncState: z.enum(SYNC_STATES),
  health: z.enum(HEALTH_STATES),
  /** The Git revision the cluster has applied (Argo CD sync.revision, Flux lastAppliedRevision). */
  syncedRevision: z.string().max(200).nullable(),
  /** The revision the controller last tried (Flux lastAttemptedRevision, Argo CD operation revision). */
  attemptedRevision: z.string().max(200).nullable().optional(),
  /** Image tags observed on the workload, when the source exposes them (Deployments). */
  images: z.array(z.string().max(500)).max(50).optional(),
  /** The controller's own words (condition message); shown to people, never executed. */
  message: z.string().max(2_000).optional(),
  /** The last sync operation, when the controller reports one. */
  operation: OperationSchema.optional(),
  /** When the agent observed this state (ISO 8601). */
  observedAt: z.iso.datetime({ offset: true }),
  /** The object was deleted from the cluster. */
  deleted: z.boolean().optional(),
});

/** One part of a snapshot sent in several reports (`part` counts from 1). */
const SnapshotPartSchema = z
  .strictObject({
    snapshotId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}$/, "expected 1–100 letters, digits, '-' or '_'"),
    part: z.number().int().min(1),
    parts: z.number().int().min(1).max(MAX_SNAPSHOT_PARTS),
  })
  .refine((value) => value.part <= value.parts, {
    message: "part must not be greater than parts",
    path: ["part"],
  });

export const SyncReportSchema = z
  .strictObject({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    agent: z.strictObject({
      /** Agent build, shown on /clusters. */
      version: z.string().min(1).max(100),
      /** `agent`, `watcher` (portal-side, kubeconfig) or `demo` (the embedded demo feed). */
      mode: z.enum(["agent", "watcher", "demo"]),
    }),
    kind: z.enum(["delta", "snapshot"]),
    /** Increases with every report of one agent process; lets the portal drop reordered retries. */
    sequence: z.number().int().nonnegative(),
    sentAt: z.iso.datetime({ offset: true }),
    items: z.array(StatusItemSchema).max(MAX_ITEMS_PER_REPORT),
    /** Present when a snapshot is sent in parts; only on `kind: "snapshot"`. */
    snapshotPart: SnapshotPartSchema.optional(),
  })
  .refine((report) => report.snapshotPart === undefined || report.kind === "snapshot", {
    message: "only a snapshot can be sent in parts",
    path: ["snapshotPart"],
  });

export type StatusItem = z.infer<typeof StatusItemSchema>;
export type SyncReport = z.infer<typeof SyncReportSchema>;
export type SyncOperation = z.infer<typeof OperationSchema>;
export type OperationPhase = (typeof OPERATION_PHASES)[number];
export type SyncState = (typeof SYNC_STATES)[number];
export type HealthState = (typeof HEALTH_STATES)[number];
