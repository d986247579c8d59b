// The agent loses the apiserver (a TCP proxy between them is cut), the cluster
// changes meanwhile, and the agent catches up when the connection returns:
// first by resuming its watches from the last resourceVersion, then, after
// etcd was compacted past it, by re-listing on 410 Gone. No change is lost.
//
// Like watch-expiry.test.ts, this needs its own apiserver with the watch
// cache off: with the cache on, the old resourceVersion would still be served
// from memory and no 410 would come.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPortalClient } from "@/lib/k8s/portal-client";
import { type Agent, startAgent } from "@/lib/k8s/run-agent";
import type { StatusItem } from "@/lib/sync-status/report";
import {
  agentKubeConfig,
  eventually,
  quietLogger,
  ReportRecorder,
  startTcpProxy,
  withServer,
} from "./agent-support.ts";
import { apiVersionOf, argoApplication, ClusterClient, crdFiles } from "./cluster-client.ts";
import { startCluster, type TestCluster } from "./harness.ts";

const token = "expiry-cluster-token";
const sha = (n: number) => n.toString(16).padStart(40, "b");

describe("the agent across a lost connection and an expired watch", () => {
  let own: TestCluster | undefined;
  let cluster: ClusterClient;
  let namespace: string;
  let recorder: ReportRecorder;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>> | undefined;
  let agent: Agent | undefined;

  const from = (name: string) => (item: StatusItem) =>
    item.source.namespace === namespace && item.source.name === name;
  const applicationsWatcher = () => {
    const watcher = agent?.state().watchers.find((w) => w.kind === "argocd-application");
    if (!watcher) throw new Error("no Application watcher");
    return watcher;
  };
  const apply = (name: string) =>
    cluster.apply({
      apiVersion: apiVersionOf(argoApplication),
      kind: argoApplication.kind,
      metadata: { name, namespace },
      spec: {
        project: "default",
        source: { repoURL: "https://git.example/gitops.git", path: `apps/${name}/envs/prod` },
        destination: { server: "https://kubernetes.default.svc", namespace: name },
      },
    });
  const setStatus = (name: string, revision: string) =>
    cluster.patchStatus({
      resource: argoApplication,
      namespace,
      name,
      status: { sync: { status: "Synced", revision }, health: { status: "Healthy" } },
    });
  /** Cuts the agent off and waits until its Application watch has noticed. */
  const partition = async () => {
    const restarts = applicationsWatcher().restarts;
    proxy?.cut();
    await eventually(
      "the watch to fail",
      () => applicationsWatcher().phase === "failing" && applicationsWatcher().restarts >= restarts,
    );
  };

  beforeAll(async () => {
    own = await startCluster({
      binDir: inject("cluster").binDir,
      apiserverArgs: ["--watch-cache=false"],
    });
    cluster = new ClusterClient(own.connection);
    await cluster.installCrds(crdFiles);
    namespace = await cluster.createNamespace("agent-expiry");
    recorder = await ReportRecorder.start("expiry", token);
    proxy = await startTcpProxy(own.connection.server);
    const kubeConfig = withServer(await agentKubeConfig(cluster, namespace), proxy.url);
    for (const name of ["app-1", "app-2"]) await apply(name);
    agent = startAgent({
      kubeConfig,
      send: createPortalClient({
        portal: recorder.url,
        cluster: "expiry",
        token,
        userAgent: "gantry-agent/test",
      }),
      mode: "watcher",
      version: "test",
      reporter: { flushIntervalMs: 100, backoff: { baseMs: 50, maxMs: 500 } },
      watchBackoff: { baseMs: 100, maxMs: 1_000 },
      logger: quietLogger,
    });
    await agent.ready;
    await recorder.waitFor("app-1", from("app-1"));
    await recorder.waitFor("app-2", from("app-2"));
  });

  afterAll(async () => {
    await agent?.stop(2_000);
    await recorder?.close();
    await proxy?.close();
    await own?.stop();
  });

  it("resumes from its resourceVersion after a disconnect, without re-listing", async () => {
    expect(applicationsWatcher().lists).toBe(1);
    await partition();
    await setStatus("app-1", sha(1));
    proxy?.resume();
    const { item } = await recorder.waitFor(
      "app-1's change made while disconnected",
      (i) => from("app-1")(i) && i.syncedRevision === sha(1),
    );
    expect(item).toMatchObject({ syncState: "Synced", health: "Healthy" });
    expect(applicationsWatcher().lists).toBe(1);
    expect(applicationsWatcher().phase).toBe("synced");
  });

  it("re-lists on 410 Gone after compaction and reports every change it missed", async () => {
    await partition();
    // History the agent has not seen: a status change, a delete, a create, and then
    // compaction, so its resourceVersion no longer exists.
    await setStatus("app-1", sha(2));
    await cluster.customObjects.deleteNamespacedCustomObject({
      group: argoApplication.group,
      version: argoApplication.version,
      plural: argoApplication.plural,
      namespace,
      name: "app-2",
    });
    await apply("app-3");
    await cluster.compactEtcd();
    proxy?.resume();

    await recorder.waitFor(
      "app-1 at the new revision",
      (i) => from("app-1")(i) && i.syncedRevision === sha(2),
    );
    await recorder.waitFor("app-2 deleted", (i) => from("app-2")(i) && i.deleted === true);
    await recorder.waitFor("app-3 created", from("app-3"));
    // The informer had to list again: its resourceVersion had expired.
    expect(applicationsWatcher().lists).toBe(2);
    // Still watching after the re-list.
    await setStatus("app-3", sha(3));
    await recorder.waitFor(
      "app-3's status",
      (i) => from("app-3")(i) && i.syncedRevision === sha(3),
    );
    expect(recorder.invalid).toEqual([]);
  });
});
