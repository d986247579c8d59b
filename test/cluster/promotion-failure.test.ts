import http from "node:http";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as reports from "@/app/api/v1/clusters/[cluster]/reports/route";
import { createPortalClient } from "@/lib/k8s/portal-client";
import { type Agent, startAgent } from "@/lib/k8s/run-agent";
import { registerClusterToken } from "@/lib/sync/register-cluster-token";
import { createPromotionWorld, type PromotionWorld, serveWorld } from "@/test/promotion/support";
import { mergedPromotion } from "@/test/sync/support";
import { agentKubeConfig, quietLogger } from "./agent-support.ts";
import { apiVersionOf, argoApplication, ClusterClient } from "./cluster-client.ts";

/**
 * The whole way from the apiserver to a promotion: the agent (read-only
 * ServiceAccount) watches an Argo CD Application and reports over HTTP to
 * the portal's real report endpoint on a real Postgres; when the test,
 * playing Argo CD, writes a failed sync operation for the merge commit, the
 * merged promotion becomes `failed` with Argo CD's message.
 */
describe("a failed sync operation in the cluster fails the promotion", () => {
  let w: PromotionWorld;
  let unserve: () => Promise<void>;
  let cluster: ClusterClient;
  let namespace: string;
  let agent: Agent;
  let portal: http.Server;

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 1 });
    unserve = serveWorld(w);
    globalThis.gantryDb = w.db;
    const { token } = await registerClusterToken({ db: w.db, cluster: "prod-eu-1" });

    // The portal's report endpoint over HTTP, as the agent reaches it.
    portal = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(request.headers)) {
          if (typeof value === "string") headers.set(name, value);
        }
        const cluster =
          /^\/api\/v1\/clusters\/([^/]+)\/reports$/.exec(request.url ?? "")?.[1] ?? "";
        reports
          .POST(
            new Request(`http://portal${request.url}`, {
              method: "POST",
              headers,
              body: Buffer.concat(chunks),
            }),
            { params: Promise.resolve({ cluster }) },
          )
          .then(async (answer) => {
            response.writeHead(answer.status, { "content-type": "application/json" });
            response.end(await answer.text());
          })
          .catch((error: unknown) => response.writeHead(500).end(String(error)));
      });
    });
    await new Promise<void>((resolve) => portal.listen(0, "127.0.0.1", resolve));
    const address = portal.address();
    if (!address || typeof address === "string") throw new Error("portal has no port");

    cluster = new ClusterClient(inject("cluster"));
    namespace = await cluster.createNamespace("failure");
    agent = startAgent({
      kubeConfig: await agentKubeConfig(cluster, namespace),
      send: createPortalClient({
        portal: `http://127.0.0.1:${address.port}`,
        cluster: "prod-eu-1",
        token,
        userAgent: "gantry-agent/test",
        timeoutMs: 10_000,
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
    await agent?.stop(2_000);
    await new Promise((resolve) => portal?.close(resolve));
    await unserve?.();
    await w?.close();
  });

  async function promotionState(id: string) {
    return w.db.promotion.findUniqueOrThrow({
      where: { id },
      select: { state: true, failureReason: true },
    });
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("goes merged → syncing → failed with the cluster's message", async () => {
    const merged = await mergedPromotion(w.ctx, "app-0");
    await cluster.apply({
      apiVersion: apiVersionOf(argoApplication),
      kind: argoApplication.kind,
      metadata: { name: "app-0-prod", namespace },
      spec: {
        project: "default",
        source: {
          repoURL: "https://git.example/gitops.git",
          path: "apps/app-0/envs/prod",
          targetRevision: "main",
        },
        destination: { server: "https://kubernetes.default.svc", namespace: "app-0" },
      },
    });
    const patch = (status: Record<string, unknown>) =>
      cluster.patchStatus({ resource: argoApplication, namespace, name: "app-0-prod", status });

    await patch({
      sync: { status: "OutOfSync", revision: merged.baseCommit },
      health: { status: "Progressing" },
      operationState: { phase: "Running", operation: { sync: { revision: merged.mergeCommit } } },
    });
    await until("syncing", async () => (await promotionState(merged.id)).state === "syncing");

    const message =
      'one or more objects failed to apply, reason: Deployment.apps "app-0" is invalid: spec.template.spec.containers[0].image: Required value';
    await patch({
      sync: { status: "OutOfSync", revision: merged.baseCommit },
      health: { status: "Degraded" },
      operationState: {
        phase: "Failed",
        message,
        operation: { sync: { revision: merged.mergeCommit } },
        syncResult: { revision: merged.mergeCommit },
      },
    });
    await until("failed", async () => (await promotionState(merged.id)).state === "failed");
    const failed = await promotionState(merged.id);
    expect(failed.failureReason).toContain("cluster prod-eu-1 failed to sync");
    expect(failed.failureReason).toContain(message);
    const row = await w.db.syncStatus.findFirstOrThrow({
      where: { name: "app-0-prod", namespace },
      select: { operationPhase: true, operationRevision: true, operationMessage: true },
    });
    expect(row).toEqual({
      operationPhase: "Failed",
      operationRevision: merged.mergeCommit,
      operationMessage: message,
    });
  });
});
