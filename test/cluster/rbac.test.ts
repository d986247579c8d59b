// (e) RBAC is real: a ServiceAccount bound to a read-only ClusterRole, using a
// token from the TokenRequest API, can list and watch Applications but gets
// 403 Forbidden when it tries to create or patch them, or to write status.
import {
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { apiVersionOf, argoApplication, ClusterClient, collectionPath } from "./cluster-client.ts";

describe("a read-only ServiceAccount", () => {
  let cluster: ClusterClient;
  let namespace: string;
  let readOnly: CustomObjectsApi;
  let readOnlyConfig: KubeConfig;

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
  const resource = {
    group: argoApplication.group,
    version: argoApplication.version,
    plural: argoApplication.plural,
  };

  beforeAll(async () => {
    cluster = new ClusterClient(inject("cluster"));
    namespace = await cluster.createNamespace("rbac");
    await cluster.apply(application("existing"));
    readOnlyConfig = await cluster.serviceAccountKubeConfig({
      namespace,
      name: "gantry-agent",
      scope: "cluster",
      rules: [
        {
          apiGroups: ["argoproj.io"],
          resources: ["applications"],
          verbs: ["get", "list", "watch"],
        },
      ],
    });
    readOnly = readOnlyConfig.makeApiClient(CustomObjectsApi);
  });

  it("authenticates as the ServiceAccount with the requested token", () => {
    expect(readOnlyConfig.getCurrentUser()?.token).toMatch(/^ey/);
    expect(readOnlyConfig.getCurrentUser()?.name).toBe(`${namespace}/gantry-agent`);
  });

  it("can list and watch", async () => {
    const list: {
      metadata: { resourceVersion: string };
      items: { metadata: { name: string } }[];
    } = await readOnly.listNamespacedCustomObject({ ...resource, namespace });
    expect(list.items.map((item) => item.metadata.name)).toEqual(["existing"]);

    // Watch from the list's resourceVersion, as an informer does.
    const watch = await cluster.recordWatch(
      collectionPath(argoApplication, namespace),
      { resourceVersion: list.metadata.resourceVersion },
      readOnlyConfig,
    );
    try {
      await cluster.apply(application("watched"));
      const added = await watch.next((event) => event.type === "ADDED");
      expect(added.object.metadata?.name).toBe("watched");
      expect(watch.events).toHaveLength(1);
    } finally {
      watch.stop();
    }
  });

  it("cannot create, patch or write status (403)", async () => {
    await expect(
      readOnly.createNamespacedCustomObject({ ...resource, namespace, body: application("new") }),
    ).rejects.toMatchObject({ code: 403 });

    await expect(
      readOnly.patchNamespacedCustomObject(
        { ...resource, namespace, name: "existing", body: { metadata: { labels: { a: "b" } } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    ).rejects.toMatchObject({ code: 403 });

    await expect(
      readOnly.patchNamespacedCustomObjectStatus(
        {
          ...resource,
          namespace,
          name: "existing",
          body: { status: { sync: { status: "Synced" } } },
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    ).rejects.toMatchObject({ code: 403 });

    // The same requests succeed for the admin, so the 403s are RBAC, not bad requests.
    await expect(
      cluster.customObjects.patchNamespacedCustomObject(
        { ...resource, namespace, name: "existing", body: { metadata: { labels: { a: "b" } } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      ),
    ).resolves.toMatchObject({ metadata: { labels: { a: "b" } } });
  });

  it("cannot read what the role does not grant", async () => {
    await expect(
      readOnlyConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
        group: "kustomize.toolkit.fluxcd.io",
        version: "v1",
        plural: "kustomizations",
        namespace,
      }),
    ).rejects.toMatchObject({ code: 403 });
  });
});
