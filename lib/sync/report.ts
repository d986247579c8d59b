import { z } from "zod";

/**
 * The status report an in-cluster agent (or the portal-side watcher, or the
 * demo feed) pushes to `POST /api/v1/clusters/{cluster}/reports`. It is the
 * contract between lib/k8s (which builds reports) and lib/sync (which
 * ingests them): both import this schema, so they cannot drift apart.
 *
 * A `delta` carries only what changed since the last report; a `snapshot`
 * carries every object the agent watches, so the portal can mark anything
 * it has not heard about as Missing. Bodies may be gzip-compressed
 * (`Content-Encoding: gzip`).
 */

export const REPORT_SCHEMA_VERSION = 1;
/** Limits the ingest endpoint enforces; agents batch below them. */
export const MAX_ITEMS_PER_REPORT = 5_000;
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;

const slug = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "expected a lowercase slug");
const kubeName = z.string().min(1).max(253);

export const SYNC_STATES = ["Synced", "OutOfSync", "Unknown"] as const;
export const HEALTH_STATES = [
  "Healthy",
  "Progressing",
  "Degraded",
  "Suspended",
  "Missing",
  "Unknown",
] as const;
export const SOURCE_KINDS = [
  "argocd-application",
  "flux-kustomization",
  "flux-helmrelease",
  "deployment",
] as const;

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
  /** When the agent observed this state (ISO 8601). */
  observedAt: z.iso.datetime({ offset: true }),
  /** The object was deleted from the cluster. */
  deleted: z.boolean().optional(),
});

export const SyncReportSchema = z.strictObject({
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
});

export type StatusItem = z.infer<typeof StatusItemSchema>;
export type SyncReport = z.infer<typeof SyncReportSchema>;
export type SyncState = (typeof SYNC_STATES)[number];
export type HealthState = (typeof HEALTH_STATES)[number];
