// Helpers for tests that talk to the harness's cluster with @kubernetes/client-node:
// namespaces, CRDs, server-side apply, status patches (the tests play Argo CD's
// and Flux's controllers), service accounts with RBAC, and etcd compaction.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1CustomResourceDefinition,
  type V1PolicyRule,
  Watch,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import type { ClusterConnection } from "./harness.ts";

/** A custom resource type, as the CustomObjectsApi addresses it. */
export interface CustomResource {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export const argoApplication = {
  group: "argoproj.io",
  version: "v1alpha1",
  plural: "applications",
  kind: "Application",
} as const satisfies CustomResource;

export const fluxKustomization = {
  group: "kustomize.toolkit.fluxcd.io",
  version: "v1",
  plural: "kustomizations",
  kind: "Kustomization",
} as const satisfies CustomResource;

export const fluxHelmRelease = {
  group: "helm.toolkit.fluxcd.io",
  version: "v2",
  plural: "helmreleases",
  kind: "HelmRelease",
} as const satisfies CustomResource;

export function apiVersionOf(resource: CustomResource): string {
  return `${resource.group}/${resource.version}`;
}

/** The list/watch path of a namespaced custom resource. */
export function collectionPath(resource: CustomResource, namespace: string): string {
  return `/apis/${resource.group}/${resource.version}/namespaces/${namespace}/${resource.plural}`;
}

const fieldManager = "gantry-test";

export const crdDir = new URL("./crds/", import.meta.url);

/** The CRD manifests the global setup installs: Argo CD Application, Flux Kustomization and HelmRelease. */
export const crdFiles = [
  new URL("argoproj.io_applications.yaml", crdDir),
  new URL("kustomize.toolkit.fluxcd.io_kustomizations.yaml", crdDir),
  new URL("helm.toolkit.fluxcd.io_helmreleases.yaml", crdDir),
];

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An admin (system:masters) client for a harness cluster, plus the helpers tests need. */
export class ClusterClient {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly customObjects: CustomObjectsApi;
  readonly objects: KubernetesObjectApi;

  constructor(readonly connection: ClusterConnection) {
    this.kubeConfig = new KubeConfig();
    this.kubeConfig.loadFromString(connection.kubeconfig);
    this.core = this.kubeConfig.makeApiClient(CoreV1Api);
    this.rbac = this.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    this.customObjects = this.kubeConfig.makeApiClient(CustomObjectsApi);
    this.objects = KubernetesObjectApi.makeApiClient(this.kubeConfig);
  }

  /** Creates a namespace with a unique name, so tests never see each other's objects. */
  async createNamespace(prefix = "test"): Promise<string> {
    const name = `${prefix}-${randomUUID().slice(0, 8)}`;
    await this.core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  /** Server-side apply, as `kubectl apply --server-side --force-conflicts` would. */
  async apply<T extends KubernetesObject>(object: T): Promise<T> {
    return this.objects.patch(
      object,
      undefined,
      undefined,
      fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );
  }

  /** Applies CRD manifests and waits until each is Established and serving. */
  async installCrds(files: (string | URL)[]): Promise<void> {
    const crds: V1CustomResourceDefinition[] = [];
    for (const file of files) {
      for (const document of parseAllDocuments(await readFile(file, "utf8"))) {
        if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
        const crd: V1CustomResourceDefinition | null = document.toJS();
        if (crd) crds.push(await this.apply(crd));
      }
    }
    const apiextensions = this.kubeConfig.makeApiClient(ApiextensionsV1Api);
    for (const crd of crds) {
      const name = crd.metadata?.name ?? "";
      await until(`CRD ${name} to be Established`, async () => {
        const current = await apiextensions.readCustomResourceDefinition({ name });
        const established = current.status?.conditions?.some(
          (condition) => condition.type === "Established" && condition.status === "True",
        );
        return established ? true : undefined;
      });
      const version = crd.spec.versions.find((v) => v.storage)?.name ?? "";
      // Established can come a moment before the REST endpoint answers; list until it does.
      await until(`${crd.spec.names.plural}.${crd.spec.group} to be served`, async () => {
        await this.customObjects.listClusterCustomObject({
          group: crd.spec.group,
          version,
          plural: crd.spec.names.plural,
          limit: 1,
        });
        return true;
      });
    }
  }

  /** Merge-patches the `status` subresource, as a controller reports what it did. */
  async patchStatus<T extends KubernetesObject>(params: {
    resource: CustomResource;
    namespace: string;
    name: string;
    status: Record<string, unknown>;
  }): Promise<T> {
    return this.customObjects.patchNamespacedCustomObjectStatus(
      {
        group: params.resource.group,
        version: params.resource.version,
        plural: params.resource.plural,
        namespace: params.namespace,
        name: params.name,
        body: { status: params.status },
        fieldManager,
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  /**
   * Creates a ServiceAccount bound to a new Role (namespaced) or ClusterRole with
   * `rules`, and returns a kubeconfig that authenticates as it with a token from
   * the TokenRequest API.
   */
  async serviceAccountKubeConfig(params: {
    namespace: string;
    name: string;
    rules: V1PolicyRule[];
    scope: "namespace" | "cluster";
  }): Promise<KubeConfig> {
    const { namespace, name, rules, scope } = params;
    await this.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
    const subjects = [{ kind: "ServiceAccount", name, namespace }];
    if (scope === "cluster") {
      // Cluster-scoped names are shared by every test: make them unique.
      const roleName = `${namespace}-${name}`;
      await this.rbac.createClusterRole({ body: { metadata: { name: roleName }, rules } });
      await this.rbac.createClusterRoleBinding({
        body: {
          metadata: { name: roleName },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
          subjects,
        },
      });
    } else {
      await this.rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
      await this.rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
          subjects,
        },
      });
    }
    const tokenRequest = await this.core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const token = tokenRequest.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("admin kubeconfig has no current cluster");
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [cluster],
      users: [{ name: `${namespace}/${name}`, token }],
      contexts: [{ name: "service-account", cluster: cluster.name, user: `${namespace}/${name}` }],
      currentContext: "service-account",
    });
    return kubeConfig;
  }

  /** Compacts etcd up to its current revision, discarding all older revisions. */
  async compactEtcd(): Promise<number> {
    const etcd = async (api: string, body: unknown) => {
      const response = await fetch(`${this.connection.etcdUrl}/v3/kv/${api}`, {
        method: "POST",
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`etcd ${api}: ${response.status} ${text}`);
      return JSON.parse(text);
    };
    // Any key will do: the response header carries the store's current revision.
    const range: { header: { revision: string } } = await etcd("range", {
      key: Buffer.from("/").toString("base64"),
      count_only: true,
    });
    const revision = Number(range.header.revision);
    await etcd("compaction", { revision: String(revision), physical: true });
    return revision;
  }

  /** Starts recording a watch on `path`; see WatchRecorder. */
  async recordWatch(
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
    kubeConfig: KubeConfig = this.kubeConfig,
  ): Promise<WatchRecorder> {
    return WatchRecorder.start(kubeConfig, path, query);
  }
}

export interface WatchEvent {
  type: string;
  object: KubernetesObject & { status?: unknown; code?: number; reason?: string };
}

/**
 * Records the events of one watch so a test can wait for the event it expects
 * (with a deadline) instead of sleeping.
 */
export class WatchRecorder {
  readonly events: WatchEvent[] = [];
  /** null while open; then the error (or null) the watch ended with. */
  ended: { error: unknown } | null = null;
  private waiters: (() => void)[] = [];
  private controller: AbortController | undefined;

  static async start(
    kubeConfig: KubeConfig,
    path: string,
    query: Record<string, string | number | boolean | undefined>,
  ): Promise<WatchRecorder> {
    const recorder = new WatchRecorder();
    recorder.controller = await new Watch(kubeConfig).watch(
      path,
      query,
      (type, object) => {
        recorder.events.push({ type, object });
        recorder.notify();
      },
      (error) => {
        recorder.ended = { error };
        recorder.notify();
      },
    );
    return recorder;
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits for the first recorded event (from index `from`) matching `predicate`. */
  async next(
    predicate: (event: WatchEvent) => boolean,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<WatchEvent> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const found = this.events.slice(options.from ?? 0).find(predicate);
      if (found) return found;
      if (this.ended) {
        throw new Error(`watch ended before the expected event: ${String(this.ended.error)}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const seen = this.events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`);
        throw new Error(`timed out waiting for a watch event; saw: ${seen.join(", ") || "none"}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until the server ends the watch; returns how it ended. */
  async closed(timeoutMs = 30_000): Promise<{ error: unknown }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error("timed out waiting for the watch to end");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.ended;
  }

  stop(): void {
    this.controller?.abort();
  }
}
