// The agent against the real apiserver: watchers + reporter running as a
// ServiceAccount bound only to deploy/agent's ClusterRole, reporting to a local
// recorder that validates every report with the shared SyncReportSchema. The
// tests play Argo CD's, Flux's and the deployment controller's part by writing
// status, and wait (with deadlines) for what the portal would receive.
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPortalClient } from "@/lib/k8s/portal-client";
import { type Agent, startAgent } from "@/lib/k8s/run-agent";
import type { StatusItem } from "@/lib/sync-status/report";
import {
  agentClusterRoleRules,
  agentKubeConfig,
  eventually,
  quietLogger,
  ReportRecorder,
} from "./agent-support.ts";
import {
  apiVersionOf,
  argoApplication,
  ClusterClient,
  fluxHelmRelease,
  fluxKustomization,
} from "./cluster-client.ts";

const token = "test-cluster-token-0123456789";
const sha = (n: number) => n.toString(16).padStart(40, "a");
const condition = (type: string, status: string, reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: new Date().toISOString(),
});

describe("gantry agent against a real apiserver", () => {
  let cluster: ClusterClient;
  let namespace: string;
  let recorder: ReportRecorder;
  let agent: Agent;
  let agentConfig: KubeConfig;
  /** Status patch → report received, per change, in ms (printed, not asserted). */
  const latencies: number[] = [];

  const from = (name: string) => (item: StatusItem) =>
    item.source.namespace === namespace && item.source.name === name;

  /** Applies a status patch and waits for the item it should produce; records the latency. */
  async function expectReport(
    what: string,
    change: () => Promise<unknown>,
    predicate: (item: StatusItem) => boolean,
  ): Promise<StatusItem> {
    const after = recorder.items().length;
    const started = Date.now();
    await change();
    const received = await recorder.waitFor(what, predicate, { after });
    latencies.push(received.receivedAt - started);
    return received.item;
  }

  beforeAll(async () => {
    cluster = new ClusterClient(inject("cluster"));
    namespace = await cluster.createNamespace("agent");
    recorder = await ReportRecorder.start("test-cluster", token);
    agentConfig = await agentKubeConfig(cluster, namespace);
    agent = startAgent({
      kubeConfig: agentConfig,
      send: createPortalClient({
        portal: recorder.url,
        cluster: "test-cluster",
        token,
        userAgent: "gantry-agent/test",
        timeoutMs: 5_000,
      }),
      mode: "agent",
      version: "test",
      reporter: {
        flushIntervalMs: 100,
        snapshotIntervalMs: 60 * 60_000,
        backoff: { baseMs: 50, maxMs: 500 },
      },
      watchBackoff: { baseMs: 100, maxMs: 2_000 },
      logger: quietLogger,
    });
    await agent.ready;
  });

  afterAll(async () => {
    const delivered = await agent?.stop();
    await recorder?.close();
    if (latencies.length > 0) {
      const sorted = [...latencies].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      process.stderr.write(
        `agent: status patch → report received over ${sorted.length} changes: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1)} ms (flush interval 100 ms); delivered on stop: ${delivered}\n`,
      );
    }
  });

  it("lists and watches every kind with only the read-only ClusterRole, starting with a snapshot", async () => {
    await eventually("the first snapshot", () => recorder.reports.length > 0);
    expect(recorder.reports[0]?.report.kind).toBe("snapshot");
    expect(recorder.reports[0]?.report.agent).toEqual({ version: "test", mode: "agent" });
    const phases = agent.state().watchers.map((watcher) => [watcher.kind, watcher.phase]);
    expect(phases).toEqual([
      ["argocd-application", "synced"],
      ["flux-kustomization", "synced"],
      ["flux-helmrelease", "synced"],
      ["deployment", "synced"],
    ]);
  });

  it("runs with deploy/agent's ClusterRole: read-only, on exactly the four kinds", async () => {
    expect(await agentClusterRoleRules()).toEqual([
      { apiGroups: ["argoproj.io"], resources: ["applications"], verbs: ["get", "list", "watch"] },
      {
        apiGroups: ["kustomize.toolkit.fluxcd.io"],
        resources: ["kustomizations"],
        verbs: ["get", "list", "watch"],
      },
      {
        apiGroups: ["helm.toolkit.fluxcd.io"],
        resources: ["helmreleases"],
        verbs: ["get", "list", "watch"],
      },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "watch"] },
    ]);
    await expect(
      agentConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: "not-allowed" },
          spec: {
            selector: { matchLabels: { app: "x" } },
            template: {
              metadata: { labels: { app: "x" } },
              spec: { containers: [{ name: "x", image: "x" }] },
            },
          },
        },
      }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(
      agentConfig.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace }),
    ).rejects.toMatchObject({ code: 403 });
  });

  it("reports an Argo CD Application from OutOfSync/Progressing to Synced/Healthy, then deleted", async () => {
    const apply = (name: string, path: string) =>
      cluster.apply({
        apiVersion: apiVersionOf(argoApplication),
        kind: argoApplication.kind,
        metadata: { name, namespace },
        spec: {
          project: "default",
          source: { repoURL: "https://git.example/gitops.git", path, targetRevision: "main" },
          destination: { server: "https://kubernetes.default.svc", namespace: "payments" },
        },
      });
    // Not following the repo convention: ignored, and counted.
    await apply("platform-ingress", "platform/ingress");
    const created = await expectReport(
      "the new Application",
      () => apply("payments-prod", "apps/payments/envs/prod"),
      from("payments-prod"),
    );
    expect(created).toMatchObject({
      application: "payments",
      environment: "prod",
      source: { kind: "argocd-application", namespace, name: "payments-prod" },
      syncState: "Unknown",
      health: "Unknown",
    });

    const patch = (status: Record<string, unknown>) => () =>
      cluster.patchStatus({ resource: argoApplication, namespace, name: "payments-prod", status });
    await expectReport(
      "OutOfSync/Progressing",
      patch({
        sync: { status: "OutOfSync", revision: sha(1) },
        health: { status: "Progressing" },
        operationState: { phase: "Running", operation: { sync: { revision: sha(2) } } },
      }),
      (item) => from("payments-prod")(item) && item.health === "Progressing",
    );
    const synced = await expectReport(
      "Synced/Healthy",
      patch({
        sync: { status: "Synced", revision: sha(2) },
        health: { status: "Healthy" },
        operationState: { phase: "Succeeded", syncResult: { revision: sha(2) } },
      }),
      (item) => from("payments-prod")(item) && item.health === "Healthy",
    );
    expect(synced).toMatchObject({
      syncState: "Synced",
      health: "Healthy",
      syncedRevision: sha(2),
      attemptedRevision: sha(2),
    });

    const deleted = await expectReport(
      "the deletion",
      () =>
        cluster.customObjects.deleteNamespacedCustomObject({
          group: argoApplication.group,
          version: argoApplication.version,
          plural: argoApplication.plural,
          namespace,
          name: "payments-prod",
        }),
      (item) => from("payments-prod")(item) && item.deleted === true,
    );
    expect(deleted).toMatchObject({ application: "payments", health: "Missing", deleted: true });
    expect(recorder.items().some(({ item }) => from("platform-ingress")(item))).toBe(false);
    expect(agent.state().ignored).toBeGreaterThanOrEqual(1);
  });

  it("reports a Flux Kustomization by its path, with the sha from Flux's revision", async () => {
    const name = "orders-staging";
    await cluster.apply({
      apiVersion: apiVersionOf(fluxKustomization),
      kind: fluxKustomization.kind,
      metadata: { name, namespace },
      spec: {
        interval: "5m",
        path: "./apps/orders/envs/staging",
        prune: true,
        sourceRef: { kind: "GitRepository", name: "gitops" },
      },
    });
    const patch = (status: Record<string, unknown>) => () =>
      cluster.patchStatus({ resource: fluxKustomization, namespace, name, status });
    await expectReport(
      "reconciling",
      patch({
        conditions: [condition("Ready", "Unknown", "Progressing", "Reconciliation in progress")],
        lastAttemptedRevision: `main@sha1:${sha(3)}`,
      }),
      (item) => from(name)(item) && item.health === "Progressing",
    );
    const ready = await expectReport(
      "Ready",
      patch({
        observedGeneration: 1,
        conditions: [condition("Ready", "True", "ReconciliationSucceeded", "Applied")],
        lastAppliedRevision: `main@sha1:${sha(3)}`,
        lastAttemptedRevision: `main@sha1:${sha(3)}`,
      }),
      (item) => from(name)(item) && item.health === "Healthy",
    );
    expect(ready).toMatchObject({
      application: "orders",
      environment: "staging",
      source: { kind: "flux-kustomization" },
      syncState: "Synced",
      syncedRevision: sha(3),
    });
  });

  it("reports a labelled HelmRelease from its conditions and history", async () => {
    const name = "checkout";
    await cluster.apply({
      apiVersion: apiVersionOf(fluxHelmRelease),
      kind: fluxHelmRelease.kind,
      metadata: {
        name,
        namespace,
        labels: { "gantry.dev/application": "checkout", "gantry.dev/environment": "prod" },
      },
      spec: {
        interval: "10m",
        chart: {
          spec: { chart: "checkout", sourceRef: { kind: "HelmRepository", name: "charts" } },
        },
      },
    });
    const release = (chartVersion: string, status: string, version: number) => ({
      chartName: "checkout",
      chartVersion,
      configDigest: "sha256:c0ffee",
      digest: "sha256:d1ce",
      name,
      namespace,
      status,
      version,
    });
    const failed = await expectReport(
      "a failed upgrade",
      () =>
        cluster.patchStatus({
          resource: fluxHelmRelease,
          namespace,
          name,
          status: {
            conditions: [
              condition("Ready", "False", "UpgradeFailed", "Helm upgrade failed: timed out"),
              condition("Released", "False", "UpgradeFailed", "timed out"),
            ],
            lastAttemptedRevision: "1.5.0",
            history: [release("1.5.0", "failed", 2), release("1.4.2", "superseded", 1)],
          },
        }),
      (item) => from(name)(item) && item.health === "Degraded",
    );
    expect(failed).toMatchObject({ syncState: "OutOfSync", attemptedRevision: "1.5.0" });
    expect(failed.message).toContain("Helm upgrade failed");
    const healthy = await expectReport(
      "a successful upgrade",
      () =>
        cluster.patchStatus({
          resource: fluxHelmRelease,
          namespace,
          name,
          status: {
            conditions: [
              condition("Ready", "True", "UpgradeSucceeded", "Helm upgrade succeeded"),
              condition("Released", "True", "UpgradeSucceeded", "Helm upgrade succeeded"),
            ],
            lastAttemptedRevision: "1.5.1",
            history: [release("1.5.1", "deployed", 3), release("1.5.0", "failed", 2)],
          },
        }),
      (item) => from(name)(item) && item.health === "Healthy",
    );
    expect(healthy).toMatchObject({
      application: "checkout",
      source: { kind: "flux-helmrelease" },
      syncState: "Synced",
      syncedRevision: "1.5.1",
    });
  });

  it("reports an annotated Deployment's rollout and images", async () => {
    const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    const name = "ledger";
    const created = await expectReport(
      "the Deployment",
      () =>
        apps.createNamespacedDeployment({
          namespace,
          body: {
            metadata: {
              name,
              annotations: {
                "gantry.dev/application": "ledger",
                "gantry.dev/environment": "prod",
                "gantry.dev/revision": sha(4),
              },
            },
            spec: {
              replicas: 2,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: { containers: [{ name: "app", image: "registry.example/ledger:2.1.0" }] },
              },
            },
          },
        }),
      from(name),
    );
    // No deployment controller runs in the test cluster: nobody has observed it yet.
    expect(created).toMatchObject({
      source: { kind: "deployment" },
      syncState: "OutOfSync",
      health: "Progressing",
      images: ["registry.example/ledger:2.1.0"],
    });
    const rolledOut = await expectReport(
      "the finished rollout",
      () =>
        apps.patchNamespacedDeploymentStatus(
          {
            namespace,
            name,
            body: {
              status: {
                observedGeneration: 1,
                replicas: 2,
                updatedReplicas: 2,
                readyReplicas: 2,
                availableReplicas: 2,
                conditions: [
                  {
                    type: "Available",
                    status: "True",
                    reason: "MinimumReplicasAvailable",
                    message: "ok",
                  },
                  {
                    type: "Progressing",
                    status: "True",
                    reason: "NewReplicaSetAvailable",
                    message: "ok",
                  },
                ],
              },
            },
          },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        ),
      (item) => from(name)(item) && item.health === "Healthy",
    );
    expect(rolledOut).toMatchObject({ syncState: "Synced", syncedRevision: sha(4) });
  });

  it("keeps the newest state of each object while the portal answers 503, and delivers it after", async () => {
    const names = ["down-a", "down-b"];
    for (const name of names) {
      await cluster.apply({
        apiVersion: apiVersionOf(argoApplication),
        kind: argoApplication.kind,
        metadata: { name, namespace },
        spec: {
          project: "default",
          source: { repoURL: "https://git.example/gitops.git", path: `apps/${name}/envs/prod` },
          destination: { server: "https://kubernetes.default.svc", namespace: name },
        },
      });
      await recorder.waitFor(`${name} created`, from(name));
    }
    recorder.failWith = 503;
    const accepted = recorder.reports.length;
    const final = new Map<string, string>();
    for (const [index, health] of ["Progressing", "Degraded", "Healthy"].entries()) {
      for (const name of names) {
        const attempts = recorder.attempts;
        await cluster.patchStatus({
          resource: argoApplication,
          namespace,
          name,
          status: {
            sync: { status: "Synced", revision: sha(10 + index) },
            health: { status: health },
          },
        });
        final.set(name, sha(10 + index));
        // The agent tried to send this change and was turned away.
        await eventually("a refused attempt", () => recorder.attempts > attempts);
      }
    }
    expect(recorder.reports.length).toBe(accepted);
    expect(agent.state().reporter.retries).toBeGreaterThan(0);

    recorder.failWith = null;
    for (const name of names) {
      await recorder.waitFor(
        `${name}'s newest state`,
        (item) => from(name)(item) && item.health === "Healthy",
        { after: 0 },
      );
    }
    for (const name of names) {
      expect(recorder.last(namespace, name)).toMatchObject({
        health: "Healthy",
        syncedRevision: final.get(name),
      });
      // Only the newest state was kept: the superseded ones never arrive.
      const delivered = recorder
        .items()
        .filter(({ item }) => from(name)(item) && item.health !== "Unknown")
        .map(({ item }) => item.health);
      expect(delivered).toEqual(["Healthy"]);
    }
    expect(recorder.invalid).toEqual([]);
  });
});
