import { describe, expect, it } from "vitest";
import { StatusItemSchema } from "@/lib/sync-status/report";
import { DEFAULT_MAPPING } from "./mapping";
import { fluxRevision, toStatusItem } from "./status-items";

const options = { mapping: DEFAULT_MAPPING, observedAt: "2026-11-25T21:00:00.000Z" };
const sha = "4f2a9c0d1e3b5a7c9e1f2a3b4c5d6e7f8a9b0c1d";
const older = "0123456789abcdef0123456789abcdef01234567";

function item(kind: Parameters<typeof toStatusItem>[0], raw: unknown) {
  const conversion = toStatusItem(kind, raw, options);
  if (!conversion.ok) throw new Error(`not converted: ${conversion.reason}`);
  // Every item the agent builds must satisfy the ingest contract.
  return StatusItemSchema.parse(conversion.item);
}

const argo = (status: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Application",
  metadata: { name: "payments-prod", namespace: "argocd", generation: 3, ...extra },
  spec: {
    project: "default",
    source: {
      repoURL: "https://git.example/gitops.git",
      path: "apps/payments/envs/prod",
      targetRevision: "HEAD",
    },
    destination: { server: "https://kubernetes.default.svc", namespace: "payments" },
  },
  status,
});

describe("Argo CD Application", () => {
  it("synced and healthy at a revision", () => {
    expect(
      item(
        "argocd-application",
        argo({
          sync: { status: "Synced", revision: sha, comparedTo: { source: {} } },
          health: { status: "Healthy" },
          operationState: {
            phase: "Succeeded",
            message: "successfully synced (all tasks run)",
            operation: { sync: { revision: sha } },
            syncResult: { revision: sha, resources: [] },
            startedAt: "2026-11-25T20:59:00Z",
          },
          reconciledAt: "2026-11-25T21:00:00Z",
        }),
      ),
    ).toEqual({
      application: "payments",
      environment: "prod",
      source: { kind: "argocd-application", namespace: "argocd", name: "payments-prod" },
      syncState: "Synced",
      health: "Healthy",
      syncedRevision: sha,
      attemptedRevision: sha,
      operation: {
        phase: "Succeeded",
        message: "successfully synced (all tasks run)",
        revision: sha,
      },
      observedAt: options.observedAt,
    });
  });

  it("without status (just created): Unknown, no revision", () => {
    expect(item("argocd-application", argo(undefined))).toMatchObject({
      syncState: "Unknown",
      health: "Unknown",
      syncedRevision: null,
      attemptedRevision: null,
    });
  });

  it("mid-sync: OutOfSync and Progressing at the old revision, attempting the new one", () => {
    expect(
      item(
        "argocd-application",
        argo({
          sync: { status: "OutOfSync", revision: older },
          health: { status: "Progressing", message: "Waiting for rollout" },
          operationState: { phase: "Running", operation: { sync: { revision: sha } } },
        }),
      ),
    ).toMatchObject({
      syncState: "OutOfSync",
      health: "Progressing",
      syncedRevision: older,
      attemptedRevision: sha,
      message: "Waiting for rollout",
    });
  });

  it("a failed sync operation is the message, even when health looks fine", () => {
    expect(
      item(
        "argocd-application",
        argo({
          sync: { status: "OutOfSync", revision: older },
          health: { status: "Degraded" },
          operationState: {
            phase: "Failed",
            message: "one or more objects failed to apply",
            syncResult: { revision: sha },
          },
        }),
      ),
    ).toMatchObject({
      health: "Degraded",
      message: "sync operation Failed: one or more objects failed to apply",
      attemptedRevision: sha,
      operation: { phase: "Failed", message: "one or more objects failed to apply", revision: sha },
    });
  });

  it("annotations win over the path; unknown states read as Unknown", () => {
    expect(
      item(
        "argocd-application",
        argo(
          { sync: { status: "Weird" }, health: { status: 42 } },
          { annotations: { "gantry.dev/application": "ledger", "gantry.dev/environment": "dev" } },
        ),
      ),
    ).toMatchObject({
      application: "ledger",
      environment: "dev",
      syncState: "Unknown",
      health: "Unknown",
    });
  });

  it("an application outside the convention is not reported", () => {
    const raw = argo(undefined);
    raw.spec.source.path = "platform/ingress";
    expect(toStatusItem("argocd-application", raw, options)).toEqual({
      ok: false,
      reason: "unmapped",
    });
    expect(toStatusItem("argocd-application", { metadata: {} }, options)).toEqual({
      ok: false,
      reason: "unreadable",
    });
  });
});

const kustomization = (status: unknown, spec: Record<string, unknown> = {}) => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "orders-staging", namespace: "flux-system", generation: 2 },
  spec: {
    interval: "5m",
    path: "./apps/orders/envs/staging",
    prune: true,
    sourceRef: { kind: "GitRepository", name: "gitops" },
    ...spec,
  },
  status,
});

const ready = (status: string, reason: string, message: string) => ({
  type: "Ready",
  status,
  reason,
  message,
  lastTransitionTime: "2026-11-25T20:00:00Z",
  observedGeneration: 2,
});

describe("Flux Kustomization", () => {
  it("Ready at the applied revision: Synced, Healthy, sha extracted", () => {
    expect(
      item(
        "flux-kustomization",
        kustomization({
          observedGeneration: 2,
          conditions: [
            ready("True", "ReconciliationSucceeded", `Applied revision: main@sha1:${sha}`),
          ],
          lastAppliedRevision: `main@sha1:${sha}`,
          lastAttemptedRevision: `main@sha1:${sha}`,
        }),
      ),
    ).toMatchObject({
      application: "orders",
      environment: "staging",
      source: { kind: "flux-kustomization", namespace: "flux-system", name: "orders-staging" },
      syncState: "Synced",
      health: "Healthy",
      syncedRevision: sha,
      attemptedRevision: sha,
    });
  });

  it("a failed apply of a new revision: OutOfSync, Degraded, with Flux's message", () => {
    const converted = item(
      "flux-kustomization",
      kustomization({
        observedGeneration: 2,
        conditions: [ready("False", "BuildFailed", "kustomize build failed: missing resource")],
        lastAppliedRevision: `main@sha1:${older}`,
        lastAttemptedRevision: `main@sha1:${sha}`,
      }),
    );
    expect(converted).toMatchObject({
      syncState: "OutOfSync",
      health: "Degraded",
      syncedRevision: older,
      attemptedRevision: sha,
      message: "kustomize build failed: missing resource",
      operation: {
        phase: "Failed",
        message: "BuildFailed: kustomize build failed: missing resource",
        revision: sha,
      },
    });
  });

  it("reconciling (Ready Unknown) is Progressing; no status at all is Unknown", () => {
    expect(
      item(
        "flux-kustomization",
        kustomization({
          conditions: [ready("Unknown", "Progressing", "Reconciliation in progress")],
        }),
      ),
    ).toMatchObject({ syncState: "Unknown", health: "Progressing", syncedRevision: null });
    expect(item("flux-kustomization", kustomization(undefined))).toMatchObject({
      syncState: "Unknown",
      health: "Unknown",
    });
  });

  it("not ready for a reason that is no failed attempt (a dependency): no failed operation", () => {
    const waiting = item(
      "flux-kustomization",
      kustomization({
        conditions: [ready("False", "DependencyNotReady", "dependency 'infra' is not ready")],
        lastAttemptedRevision: `main@sha1:${sha}`,
      }),
    );
    expect(waiting.operation).toBeUndefined();
  });

  it("suspended wins; a status older than the spec is Progressing", () => {
    const status = {
      observedGeneration: 1,
      conditions: [ready("True", "ReconciliationSucceeded", "ok")],
      lastAppliedRevision: `main@sha1:${sha}`,
      lastAttemptedRevision: `main@sha1:${sha}`,
    };
    expect(item("flux-kustomization", kustomization(status, { suspend: true })).health).toBe(
      "Suspended",
    );
    expect(item("flux-kustomization", kustomization(status)).health).toBe("Progressing");
  });

  it("revision formats", () => {
    expect(fluxRevision(`main@sha1:${sha}`)).toBe(sha);
    expect(fluxRevision(`refs/tags/v1.2.0@sha1:${sha}`)).toBe(sha);
    expect(fluxRevision(`main/${sha}`)).toBe(sha);
    expect(fluxRevision("latest@sha256:abc")).toBe("latest@sha256:abc");
    expect(fluxRevision(undefined)).toBeNull();
  });
});

const helmRelease = (status: unknown, spec: Record<string, unknown> = {}) => ({
  apiVersion: "helm.toolkit.fluxcd.io/v2",
  kind: "HelmRelease",
  metadata: {
    name: "checkout",
    namespace: "checkout",
    generation: 1,
    labels: { "gantry.dev/application": "checkout", "gantry.dev/environment": "prod" },
  },
  spec: { interval: "10m", chart: { spec: { chart: "checkout", version: "1.4.x" } }, ...spec },
  status,
});

describe("Flux HelmRelease", () => {
  it("released and ready: Synced at the chart version in history", () => {
    expect(
      item(
        "flux-helmrelease",
        helmRelease({
          observedGeneration: 1,
          conditions: [
            ready("True", "UpgradeSucceeded", "Helm upgrade succeeded"),
            { type: "Released", status: "True", reason: "UpgradeSucceeded", message: "ok" },
          ],
          lastAttemptedRevision: "1.4.2",
          history: [
            {
              chartName: "checkout",
              chartVersion: "1.4.2",
              appVersion: "2.0.0",
              status: "deployed",
              version: 7,
            },
            { chartName: "checkout", chartVersion: "1.4.1", status: "superseded", version: 6 },
          ],
        }),
      ),
    ).toMatchObject({
      application: "checkout",
      environment: "prod",
      syncState: "Synced",
      health: "Healthy",
      syncedRevision: "1.4.2",
      attemptedRevision: "1.4.2",
    });
  });

  it("a failed upgrade: OutOfSync, Degraded, the Released message", () => {
    expect(
      item(
        "flux-helmrelease",
        helmRelease({
          observedGeneration: 1,
          conditions: [
            ready("False", "UpgradeFailed", "Helm upgrade failed: timed out waiting"),
            { type: "Released", status: "False", reason: "UpgradeFailed", message: "timed out" },
          ],
          lastAttemptedRevision: "1.5.0",
          history: [
            { chartName: "checkout", chartVersion: "1.5.0", status: "failed", version: 8 },
            { chartName: "checkout", chartVersion: "1.4.2", status: "superseded", version: 7 },
          ],
        }),
      ),
    ).toMatchObject({
      syncState: "OutOfSync",
      health: "Degraded",
      syncedRevision: null,
      attemptedRevision: "1.5.0",
      message: "Helm upgrade failed: timed out waiting",
      operation: {
        phase: "Failed",
        message: "UpgradeFailed: Helm upgrade failed: timed out waiting",
        revision: "1.5.0",
      },
    });
  });

  it("suspended, and without status", () => {
    expect(item("flux-helmrelease", helmRelease(undefined, { suspend: true }))).toMatchObject({
      syncState: "Unknown",
      health: "Suspended",
    });
    expect(item("flux-helmrelease", helmRelease(undefined))).toMatchObject({
      syncState: "Unknown",
      health: "Unknown",
    });
  });

  it("a HelmRelease without Gantry labels maps to nothing", () => {
    const raw = {
      ...helmRelease(undefined),
      metadata: { name: "checkout", namespace: "checkout", labels: { app: "checkout" } },
    };
    expect(toStatusItem("flux-helmrelease", raw, options)).toEqual({
      ok: false,
      reason: "unmapped",
    });
  });
});

const deployment = (
  status: unknown,
  options: { generation?: number; replicas?: number; paused?: boolean; revision?: string } = {},
) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "payments",
    namespace: "payments",
    generation: options.generation ?? 4,
    annotations: {
      "gantry.dev/application": "payments",
      "gantry.dev/environment": "prod",
      ...(options.revision ? { "gantry.dev/revision": options.revision } : {}),
      "deployment.kubernetes.io/revision": "4",
    },
  },
  spec: {
    replicas: options.replicas ?? 3,
    paused: options.paused,
    selector: { matchLabels: { app: "payments" } },
    template: {
      metadata: { labels: { app: "payments" } },
      spec: {
        containers: [
          { name: "app", image: "registry.example/payments:1.42.0" },
          { name: "proxy", image: "registry.example/envoy:1.31" },
        ],
      },
    },
  },
  status,
});

const rolledOut = {
  observedGeneration: 4,
  replicas: 3,
  updatedReplicas: 3,
  readyReplicas: 3,
  availableReplicas: 3,
  conditions: [
    { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
    { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
  ],
};

describe("annotated Deployment", () => {
  it("rolled out: Healthy, images, revision from the annotation", () => {
    expect(item("deployment", deployment(rolledOut, { revision: sha }))).toEqual({
      application: "payments",
      environment: "prod",
      source: { kind: "deployment", namespace: "payments", name: "payments" },
      syncState: "Synced",
      health: "Healthy",
      syncedRevision: sha,
      images: ["registry.example/payments:1.42.0", "registry.example/envoy:1.31"],
      observedAt: options.observedAt,
    });
  });

  it("no revision annotation: sync Unknown, revision null", () => {
    expect(item("deployment", deployment(rolledOut))).toMatchObject({
      syncState: "Unknown",
      health: "Healthy",
      syncedRevision: null,
    });
  });

  it("mid-rollout: new spec not observed, then replicas updating, then old ones terminating", () => {
    expect(
      item("deployment", deployment({ ...rolledOut, observedGeneration: 3 }, { revision: sha })),
    ).toMatchObject({ syncState: "OutOfSync", health: "Progressing" });
    expect(item("deployment", deployment({ ...rolledOut, updatedReplicas: 1 })).message).toBe(
      "1 of 3 replicas updated",
    );
    expect(
      item("deployment", deployment({ ...rolledOut, replicas: 4, availableReplicas: 3 })).message,
    ).toBe("1 old replicas pending termination");
    expect(item("deployment", deployment({ ...rolledOut, availableReplicas: 2 })).health).toBe(
      "Progressing",
    );
  });

  it("no status yet: Progressing", () => {
    expect(item("deployment", deployment(undefined))).toMatchObject({ health: "Progressing" });
  });

  it("degraded: deadline exceeded, or unavailable after the rollout", () => {
    expect(
      item(
        "deployment",
        deployment(
          {
            ...rolledOut,
            updatedReplicas: 1,
            conditions: [
              {
                type: "Progressing",
                status: "False",
                reason: "ProgressDeadlineExceeded",
                message: 'ReplicaSet "payments-7d9" has timed out progressing.',
              },
            ],
          },
          { revision: sha },
        ),
      ),
    ).toMatchObject({
      syncState: "OutOfSync",
      health: "Degraded",
      message: 'ReplicaSet "payments-7d9" has timed out progressing.',
    });
    expect(
      item(
        "deployment",
        deployment({
          ...rolledOut,
          conditions: [
            { type: "Available", status: "False", reason: "MinimumReplicasUnavailable" },
          ],
        }),
      ).health,
    ).toBe("Degraded");
  });

  it("paused is Suspended", () => {
    expect(item("deployment", deployment(rolledOut, { paused: true })).health).toBe("Suspended");
  });
});
