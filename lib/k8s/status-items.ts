import type {
  HealthState,
  OperationPhase,
  StatusItem,
  SyncOperation,
  SyncState,
} from "@/lib/sync-status/report";
import { type MappingOptions, REVISION_ANNOTATION, type Target, targetOf } from "./mapping";
import {
  type ArgoApplication,
  ArgoApplicationSchema,
  type Condition,
  type Deployment,
  DeploymentSchema,
  type FluxHelmRelease,
  FluxHelmReleaseSchema,
  type FluxKustomization,
  FluxKustomizationSchema,
  type SourceKind,
} from "./objects";

/**
 * Pure conversions from the objects Argo CD, Flux and Kubernetes keep to the
 * `StatusItem`s of a sync report. They read only what the controllers wrote:
 * no clock (the caller passes `observedAt`), no cluster calls.
 */

export type Conversion =
  | { ok: true; item: StatusItem }
  | { ok: false; reason: "unmapped" | "unreadable" };

export interface ConvertOptions {
  mapping: MappingOptions;
  observedAt: string;
}

const MAX_REVISION = 200;
const MAX_MESSAGE = 2_000;

function clip(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value === "") return undefined;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

function revision(value: string | undefined): string | null {
  return clip(value, MAX_REVISION) ?? null;
}

/**
 * Flux writes revisions as `<ref>@<algo>:<digest>` (`main@sha1:1a2b…`), and
 * older versions as `<ref>/<sha>`; the portal compares Git commits, so keep the digest.
 */
export function fluxRevision(value: string | undefined): string | null {
  if (!value) return null;
  const current = /@sha(?:1|256):([0-9a-f]{40,64})$/.exec(value);
  if (current) return current[1] ?? null;
  const legacy = /\/([0-9a-f]{40})$/.exec(value);
  if (legacy) return legacy[1] ?? null;
  return revision(value);
}

function condition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

function base(
  kind: SourceKind,
  metadata: { name: string; namespace?: string | undefined },
  target: Target,
  observedAt: string,
) {
  return {
    application: target.application,
    environment: target.environment,
    source: { kind, namespace: metadata.namespace ?? "default", name: metadata.name },
    observedAt,
  };
}

const ARGO_OPERATION: Record<string, OperationPhase> = {
  Running: "Running",
  Terminating: "Running",
  Succeeded: "Succeeded",
  Failed: "Failed",
  Error: "Error",
};

/** Argo CD's `status.operationState`, when it has one with a phase the contract knows. */
function argoOperation(
  phase: string | undefined,
  message: string | undefined,
  tried: string | undefined,
): { operation?: SyncOperation } {
  const known = ARGO_OPERATION[phase ?? ""];
  if (!known) return {};
  const words = clip(message, MAX_MESSAGE);
  return {
    operation: { phase: known, ...(words ? { message: words } : {}), revision: revision(tried) },
  };
}

/**
 * Flux reports a failed reconciliation as Ready=False with a reason: these
 * are failures of an attempt (not "still progressing" or "dependency not ready").
 */
const FLUX_FAILURE_REASONS: ReadonlySet<string> = new Set([
  "ReconciliationFailed",
  "BuildFailed",
  "HealthCheckFailed",
  "ArtifactFailed",
  "PruneFailed",
  "InstallFailed",
  "UpgradeFailed",
  "TestFailed",
  "RollbackFailed",
  "UninstallFailed",
  "InitFailed",
  "GetLastReleaseFailed",
]);

function fluxOperation(
  conditions: readonly (Condition | undefined)[],
  tried: string | null,
): { operation?: SyncOperation } {
  const failure = conditions.find(
    (c) => c?.status === "False" && c.reason !== undefined && FLUX_FAILURE_REASONS.has(c.reason),
  );
  if (!failure) return {};
  const words = clip(`${failure.reason}: ${failure.message ?? "no message"}`, MAX_MESSAGE);
  return { operation: { phase: "Failed", ...(words ? { message: words } : {}), revision: tried } };
}

const ARGO_SYNC: Record<string, SyncState> = { Synced: "Synced", OutOfSync: "OutOfSync" };
const ARGO_HEALTH: Record<string, HealthState> = {
  Healthy: "Healthy",
  Progressing: "Progressing",
  Degraded: "Degraded",
  Suspended: "Suspended",
  Missing: "Missing",
};

function argoApplicationItem(app: ArgoApplication, options: ConvertOptions): Conversion {
  const spec = app.spec;
  const target = targetOf(
    app.metadata,
    [spec?.source?.path, ...(spec?.sources ?? []).map((source) => source.path)],
    options.mapping,
  );
  if (!target) return { ok: false, reason: "unmapped" };
  const status = app.status;
  const operation = status?.operationState;
  const failed = operation?.phase === "Failed" || operation?.phase === "Error";
  // Failures first: they are what a person must read; then health, then conditions.
  const message = failed
    ? `sync operation ${operation?.phase}: ${operation?.message ?? "no message"}`
    : (status?.health?.message ?? status?.conditions?.find((c) => c.message)?.message);
  const attempted = operation?.syncResult?.revision ?? operation?.operation?.sync?.revision;
  return {
    ok: true,
    item: {
      ...base("argocd-application", app.metadata, target, options.observedAt),
      syncState: ARGO_SYNC[status?.sync?.status ?? ""] ?? "Unknown",
      health: ARGO_HEALTH[status?.health?.status ?? ""] ?? "Unknown",
      syncedRevision: revision(status?.sync?.revision ?? status?.sync?.revisions?.[0]),
      attemptedRevision: revision(attempted),
      ...(clip(message, MAX_MESSAGE) ? { message: clip(message, MAX_MESSAGE) } : {}),
      ...argoOperation(operation?.phase, operation?.message, attempted),
    },
  };
}

/** Health from Flux's `Ready` condition (kstatus): True healthy, Unknown reconciling, False failed. */
function fluxHealth(
  suspended: boolean | undefined,
  ready: Condition | undefined,
  stale: boolean,
): HealthState {
  if (suspended) return "Suspended";
  if (!ready) return "Unknown";
  if (stale) return "Progressing";
  if (ready.status === "True") return "Healthy";
  if (ready.status === "Unknown") return "Progressing";
  return ready.reason === "Progressing" || ready.reason === "ProgressingWithRetry"
    ? "Progressing"
    : "Degraded";
}

function withMessage(message: string | undefined): { message?: string } {
  const clipped = clip(message, MAX_MESSAGE);
  return clipped ? { message: clipped } : {};
}

function fluxKustomizationItem(
  kustomization: FluxKustomization,
  options: ConvertOptions,
): Conversion {
  const target = targetOf(kustomization.metadata, [kustomization.spec?.path], options.mapping);
  if (!target) return { ok: false, reason: "unmapped" };
  const status = kustomization.status;
  const ready = condition(status?.conditions, "Ready");
  const applied = fluxRevision(status?.lastAppliedRevision);
  const attempted = fluxRevision(status?.lastAttemptedRevision);
  // A status written for an older spec says nothing about the current one.
  const stale =
    status?.observedGeneration !== undefined &&
    kustomization.metadata.generation !== undefined &&
    status.observedGeneration < kustomization.metadata.generation;
  let syncState: SyncState = "Unknown";
  if (attempted && attempted !== applied) syncState = "OutOfSync";
  else if (applied) syncState = "Synced";
  else if (ready?.status === "False") syncState = "OutOfSync";
  return {
    ok: true,
    item: {
      ...base("flux-kustomization", kustomization.metadata, target, options.observedAt),
      syncState,
      health: fluxHealth(kustomization.spec?.suspend, ready, stale),
      syncedRevision: applied,
      attemptedRevision: attempted,
      ...withMessage(ready?.status === "True" ? undefined : ready?.message),
      ...fluxOperation([ready], attempted),
    },
  };
}

function fluxHelmReleaseItem(release: FluxHelmRelease, options: ConvertOptions): Conversion {
  const target = targetOf(release.metadata, [], options.mapping);
  if (!target) return { ok: false, reason: "unmapped" };
  const status = release.status;
  const ready = condition(status?.conditions, "Ready");
  const released = condition(status?.conditions, "Released");
  // history[0] is the latest Helm release; its chart version is what runs.
  const latest = status?.history?.[0];
  const deployed = latest?.status === "deployed" ? latest.chartVersion : undefined;
  const attempted = status?.lastAttemptedRevision ?? latest?.chartVersion;
  const stale =
    status?.observedGeneration !== undefined &&
    release.metadata.generation !== undefined &&
    status.observedGeneration < release.metadata.generation;
  let health = fluxHealth(release.spec?.suspend, ready, stale);
  if (health === "Healthy" && released?.status === "False") health = "Degraded";
  let syncState: SyncState = "Unknown";
  if (deployed && (!attempted || attempted === deployed)) syncState = "Synced";
  else if (latest || ready?.status === "False") syncState = "OutOfSync";
  const problem = [ready, released].find((c) => c && c.status !== "True" && c.message);
  return {
    ok: true,
    item: {
      ...base("flux-helmrelease", release.metadata, target, options.observedAt),
      syncState,
      health,
      syncedRevision: revision(deployed),
      attemptedRevision: revision(attempted),
      ...withMessage(problem?.message),
      ...fluxOperation([ready, released], revision(attempted)),
    },
  };
}

/**
 * A Deployment's rollout, judged as `kubectl rollout status` and Argo CD do.
 * It has no Git revision of its own: `gantry.dev/revision` supplies one, and
 * without it the sync state is Unknown (the agent cannot tell what Git wants).
 */
function deploymentItem(deployment: Deployment, options: ConvertOptions): Conversion {
  const target = targetOf(deployment.metadata, [], options.mapping);
  if (!target) return { ok: false, reason: "unmapped" };
  const { spec, status, metadata } = deployment;
  const desired = spec?.replicas ?? 1;
  const progressing = condition(status?.conditions, "Progressing");
  const available = condition(status?.conditions, "Available");
  let health: HealthState;
  let message: string | undefined;
  // Every replica runs the current template (it may still be unavailable).
  let rolledOut = false;
  if (spec?.paused) {
    health = "Suspended";
    message = "rollout paused";
  } else if (
    status?.observedGeneration === undefined ||
    (metadata.generation !== undefined && status.observedGeneration < metadata.generation)
  ) {
    health = "Progressing";
    message = "waiting for the deployment controller to observe the new spec";
  } else if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    health = "Degraded";
    message = progressing.message ?? "progress deadline exceeded";
  } else if ((status.updatedReplicas ?? 0) < desired) {
    health = "Progressing";
    message = `${status.updatedReplicas ?? 0} of ${desired} replicas updated`;
  } else if ((status.replicas ?? 0) > (status.updatedReplicas ?? 0)) {
    health = "Progressing";
    message = `${(status.replicas ?? 0) - (status.updatedReplicas ?? 0)} old replicas pending termination`;
  } else if ((status.availableReplicas ?? 0) < (status.updatedReplicas ?? 0)) {
    health = "Progressing";
    message = `${status.availableReplicas ?? 0} of ${status.updatedReplicas ?? 0} updated replicas available`;
  } else if (available?.status === "False") {
    health = "Degraded";
    message = available.message ?? "deployment does not have minimum availability";
    rolledOut = true;
  } else {
    health = "Healthy";
    rolledOut = true;
  }
  const gitRevision = revision(metadata.annotations?.[REVISION_ANNOTATION]);
  const images = (spec?.template?.spec?.containers ?? [])
    .map((container) => container.image)
    .filter((image): image is string => Boolean(image))
    .slice(0, 50)
    .map((image) => image.slice(0, 500));
  return {
    ok: true,
    item: {
      ...base("deployment", metadata, target, options.observedAt),
      syncState: gitRevision === null ? "Unknown" : rolledOut ? "Synced" : "OutOfSync",
      health,
      syncedRevision: gitRevision,
      images,
      ...withMessage(message),
    },
  };
}

const CONVERTERS = {
  "argocd-application": (raw, options) => {
    const parsed = ArgoApplicationSchema.safeParse(raw);
    return parsed.success ? argoApplicationItem(parsed.data, options) : unreadable;
  },
  "flux-kustomization": (raw, options) => {
    const parsed = FluxKustomizationSchema.safeParse(raw);
    return parsed.success ? fluxKustomizationItem(parsed.data, options) : unreadable;
  },
  "flux-helmrelease": (raw, options) => {
    const parsed = FluxHelmReleaseSchema.safeParse(raw);
    return parsed.success ? fluxHelmReleaseItem(parsed.data, options) : unreadable;
  },
  deployment: (raw, options) => {
    const parsed = DeploymentSchema.safeParse(raw);
    return parsed.success ? deploymentItem(parsed.data, options) : unreadable;
  },
} satisfies Record<SourceKind, (raw: unknown, options: ConvertOptions) => Conversion>;

const unreadable: Conversion = { ok: false, reason: "unreadable" };

/** Any watched object, as the API server sent it, to a status item (or why not). */
export function toStatusItem(kind: SourceKind, raw: unknown, options: ConvertOptions): Conversion {
  return CONVERTERS[kind](raw, options);
}
