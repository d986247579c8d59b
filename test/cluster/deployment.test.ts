// (a) The apiserver is real: a Deployment goes through validation, defaulting
// and storage, and reads back with server-assigned fields.
import { AppsV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ClusterClient } from "./cluster-client.ts";

describe("Deployment round trip", () => {
  let cluster: ClusterClient;
  let apps: AppsV1Api;
  let namespace: string;

  beforeAll(async () => {
    cluster = new ClusterClient(inject("cluster"));
    apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    namespace = await cluster.createNamespace("deployment");
  });

  it("creates a Deployment and reads it back with defaults applied", async () => {
    const created = await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: "payments", labels: { "app.kubernetes.io/name": "payments" } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { "app.kubernetes.io/name": "payments" } },
          template: {
            metadata: { labels: { "app.kubernetes.io/name": "payments" } },
            spec: { containers: [{ name: "app", image: "registry.example/payments:1.42.0" }] },
          },
        },
      },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);

    const read = await apps.readNamespacedDeployment({ name: "payments", namespace });
    expect(read.metadata?.uid).toBe(created.metadata?.uid);
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(read.metadata?.generation).toBe(1);
    expect(read.spec?.replicas).toBe(2);
    expect(read.spec?.template.spec?.containers[0]?.image).toBe("registry.example/payments:1.42.0");
    // Defaults that only the real apiserver fills in.
    expect(read.spec?.strategy?.type).toBe("RollingUpdate");
    expect(read.spec?.revisionHistoryLimit).toBe(10);
    expect(read.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe("IfNotPresent");
    expect(read.spec?.template.spec?.restartPolicy).toBe("Always");
  });

  it("rejects an invalid Deployment with the apiserver's validation error", async () => {
    await expect(
      apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: "no-selector" },
          spec: {
            selector: { matchLabels: { app: "a" } },
            template: {
              metadata: { labels: { app: "b" } },
              spec: { containers: [{ name: "app", image: "busybox" }] },
            },
          },
        },
      }),
    ).rejects.toMatchObject({ code: 422 });
  });
});
