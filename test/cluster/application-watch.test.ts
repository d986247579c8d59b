// (b) A watch on Argo CD Applications sees ADDED, MODIFIED and DELETED when the
// test, playing Argo CD's controller, writes status through the status
// subresource, the way Gantry's agent will see a real cluster.
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  apiVersionOf,
  argoApplication,
  ClusterClient,
  collectionPath,
  type WatchEvent,
} from "./cluster-client.ts";

interface Application {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: {
    sync?: { status?: string; revision?: string };
    health?: { status?: string };
    operationState?: { phase?: string };
  };
}

const named =
  (type: string, name: string) =>
  (event: WatchEvent): boolean =>
    event.type === type && event.object.metadata?.name === name;

describe("watching Argo CD Applications", () => {
  let cluster: ClusterClient;
  let namespace: string;

  beforeAll(async () => {
    cluster = new ClusterClient(inject("cluster"));
    namespace = await cluster.createNamespace("app-watch");
  });

  it("delivers ADDED, MODIFIED (status) and DELETED events", async () => {
    const watch = await cluster.recordWatch(collectionPath(argoApplication, namespace));
    try {
      const application: Application = {
        apiVersion: apiVersionOf(argoApplication),
        kind: argoApplication.kind,
        metadata: { name: "payments-prod", namespace },
        spec: {
          project: "default",
          source: {
            repoURL: "https://git.example/gitops.git",
            path: "apps/payments/envs/prod",
            targetRevision: "main",
          },
          destination: { server: "https://kubernetes.default.svc", namespace: "payments" },
        },
      };
      const created = await cluster.apply(application);
      expect(created.metadata.generation).toBe(1);

      const added = await watch.next(named("ADDED", "payments-prod"));
      expect(added.object.metadata?.resourceVersion).toBe(created.metadata.resourceVersion);

      const revision = "8f3c1d2e4b5a69788796a5b4c3d2e1f0a9b8c7d6";
      const patched: Application = await cluster.patchStatus({
        resource: argoApplication,
        namespace,
        name: "payments-prod",
        status: {
          sync: { status: "Synced", revision },
          health: { status: "Healthy" },
          operationState: {
            phase: "Succeeded",
            startedAt: "2026-01-01T00:00:00Z",
            finishedAt: "2026-01-01T00:00:05Z",
          },
        },
      });
      // Writing status through the subresource does not bump the generation.
      expect(patched.metadata.generation).toBe(1);

      const modified = await watch.next(named("MODIFIED", "payments-prod"));
      const status = (modified.object as Application).status;
      expect(status?.sync).toEqual({ status: "Synced", revision });
      expect(status?.health?.status).toBe("Healthy");
      expect(status?.operationState?.phase).toBe("Succeeded");
      expect(modified.object.metadata?.resourceVersion).toBe(patched.metadata.resourceVersion);

      await cluster.objects.delete(application);
      const deleted = await watch.next(named("DELETED", "payments-prod"));
      expect((deleted.object as Application).status?.sync?.status).toBe("Synced");
      expect(watch.events.map((event) => event.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    } finally {
      watch.stop();
    }
  });

  it("keeps status out of spec writes: applying the spec again leaves status alone", async () => {
    const application: Application = {
      apiVersion: apiVersionOf(argoApplication),
      kind: argoApplication.kind,
      metadata: { name: "checkout-staging", namespace },
      spec: {
        project: "default",
        source: { repoURL: "https://git.example/gitops.git", path: "apps/checkout/envs/staging" },
        destination: { server: "https://kubernetes.default.svc", namespace: "checkout" },
      },
    };
    await cluster.apply(application);
    await cluster.patchStatus({
      resource: argoApplication,
      namespace,
      name: "checkout-staging",
      status: { sync: { status: "OutOfSync" }, health: { status: "Progressing" } },
    });
    // status in the main resource is ignored when a status subresource exists.
    const reapplied = await cluster.apply({
      ...application,
      spec: { ...application.spec, project: "checkout" },
      status: { sync: { status: "Synced" } },
    });
    expect(reapplied.metadata.generation).toBe(2);
    expect(reapplied.status?.sync?.status).toBe("OutOfSync");
  });
});
