// (c) A watch restarted from a resourceVersion that etcd has compacted away is
// answered with 410 Gone (reason Expired); the client recovers by listing again
// and watching from the list's resourceVersion.
//
// This file starts its own cluster with the apiserver's watch cache off. With
// the cache on (the shared cluster, like production), a watch from an old
// resourceVersion is answered from the cache's in-memory window, which outlives
// an etcd compaction for a while; the 410 then comes once that window has moved
// on. Turning the cache off sends the watch to etcd, so compaction decides.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  apiVersionOf,
  argoApplication,
  ClusterClient,
  collectionPath,
  crdFiles,
} from "./cluster-client.ts";
import { startCluster, type TestCluster } from "./harness.ts";

interface ApplicationList {
  metadata: { resourceVersion: string };
  items: { metadata: { name: string } }[];
}

describe("watch from a compacted resourceVersion", () => {
  let own: TestCluster | undefined;
  let cluster: ClusterClient;
  let namespace: string;

  beforeAll(async () => {
    own = await startCluster({
      binDir: inject("cluster").binDir,
      apiserverArgs: ["--watch-cache=false"],
    });
    cluster = new ClusterClient(own.connection);
    await cluster.installCrds(crdFiles);
    namespace = await cluster.createNamespace("expiry");
  });

  afterAll(async () => {
    await own?.stop();
  });

  const application = (name: string) => ({
    apiVersion: apiVersionOf(argoApplication),
    kind: argoApplication.kind,
    metadata: { name, namespace },
    spec: {
      project: "default",
      source: { repoURL: "https://git.example/gitops.git", path: `apps/${name}` },
      destination: { server: "https://kubernetes.default.svc", namespace: name },
    },
  });

  const list = async (): Promise<ApplicationList> =>
    cluster.customObjects.listNamespacedCustomObject({
      group: argoApplication.group,
      version: argoApplication.version,
      plural: argoApplication.plural,
      namespace,
    });

  it("gets 410 Expired, then recovers by re-listing", async () => {
    await cluster.apply(application("app-1"));
    const stale = (await list()).metadata.resourceVersion;

    // History the stale watcher has not seen: creates and status writes.
    for (const name of ["app-2", "app-3", "app-4"]) await cluster.apply(application(name));
    await cluster.patchStatus({
      resource: argoApplication,
      namespace,
      name: "app-1",
      status: { sync: { status: "Synced", revision: "abc123" }, health: { status: "Healthy" } },
    });
    const compactedAt = await cluster.compactEtcd();
    expect(compactedAt).toBeGreaterThan(Number(stale));

    const path = collectionPath(argoApplication, namespace);
    const expired = await cluster.recordWatch(path, { resourceVersion: stale });
    try {
      const error = await expired.next((event) => event.type === "ERROR");
      expect(error.object).toMatchObject({ kind: "Status", code: 410, reason: "Expired" });
      // The server ends the watch after the error; nothing else was delivered.
      await expired.closed();
      expect(expired.events.map((event) => event.type)).toEqual(["ERROR"]);
    } finally {
      expired.stop();
    }

    // Recovery: list for the current state and a fresh resourceVersion, then watch from it.
    const relisted = await list();
    expect(relisted.items.map((item) => item.metadata.name).sort()).toEqual([
      "app-1",
      "app-2",
      "app-3",
      "app-4",
    ]);
    expect(Number(relisted.metadata.resourceVersion)).toBeGreaterThanOrEqual(compactedAt);

    const resumed = await cluster.recordWatch(path, {
      resourceVersion: relisted.metadata.resourceVersion,
    });
    try {
      await cluster.apply(application("app-5"));
      const added = await resumed.next((event) => event.type === "ADDED");
      expect(added.object.metadata?.name).toBe("app-5");
      expect(resumed.events.map((event) => event.type)).toEqual(["ADDED"]);
    } finally {
      resumed.stop();
    }
  });
});
