/*
 * lib/k8s owns the in-cluster agent: it watches Argo CD, Flux and annotated Deployments and sends
 * their status to the portal.
 */

import { KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { GantryError } from "@/lib/errors";
import { log } from "@/lib/log";
import type { SyncReport } from "@/lib/sync-status/report";
import { DEFAULT_MAPPING, type MappingOptions } from "./mapping";
import { type SourceKind, WATCHED_RESOURCES, type WatchedResource } from "./objects";
import type { SendReport } from "./portal-client";
import { toStatusItem } from "./status-items";
import {
  type ReporterLogger,
  type ReporterStats,
  StatusReporter,
  type StatusReporterOptions,
} from "./status-reporter";
import {
  type Backoff,
  type ResourceWatcher,
  type WatcherState,
  watchResource,
} from "./watch-resource";

/**
 * The agent: one watcher per resource type feeding one reporter. The same
 * code runs in a cluster (`mode: "agent"`, the pod's ServiceAccount) and in
 * the portal's own process (`mode: "watcher"`, a kubeconfig).
 */

export interface AgentOptions {
  kubeConfig: KubeConfig;
  send: SendReport;
  mode: SyncReport["agent"]["mode"];
  version: string;
  mapping?: MappingOptions;
  resources?: readonly WatchedResource[];
  /** How long the first snapshot waits for every watcher's first list. */
  initialSyncTimeoutMs?: number;
  watchBackoff?: Backoff;
  reporter?: Omit<StatusReporterOptions, "send" | "agent" | "logger">;
  logger?: ReporterLogger;
}

interface AgentState {
  watchers: WatcherState[];
  /** Objects seen that map to no (application, environment). */
  ignored: number;
  /** Objects that could not be read at all (no name). */
  unreadable: number;
  reporter: ReporterStats;
}

export interface Agent {
  /** Resolves once the first snapshot has been queued (every watcher listed, or the timeout). */
  readonly ready: Promise<void>;
  state(): AgentState;
  /** Stops watching and flushes what is waiting; resolves to whether everything was delivered. */
  stop(deadlineMs?: number): Promise<boolean>;
}

/** In a pod: the ServiceAccount's token and CA; elsewhere: a kubeconfig file. */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (kubeconfigPath) kubeConfig.loadFromFile(kubeconfigPath);
  else kubeConfig.loadFromCluster();
  const server = kubeConfig.getCurrentCluster()?.server ?? "";
  if (!URL.canParse(server)) {
    throw new GantryError(
      "bad_request",
      kubeconfigPath
        ? `the kubeconfig ${kubeconfigPath} names no usable cluster server`
        : "not running in a Kubernetes pod (no service account): pass --kubeconfig PATH",
    );
  }
  return kubeConfig;
}

function objectKey(kind: SourceKind, object: KubernetesObject): string {
  return `${kind}/${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

export function startAgent(options: AgentOptions): Agent {
  const logger = options.logger ?? log;
  const mapping = options.mapping ?? DEFAULT_MAPPING;
  const watchers: ResourceWatcher[] = [];
  const reporter = new StatusReporter({
    ...options.reporter,
    send: options.send,
    agent: { version: options.version, mode: options.mode },
    logger,
    snapshotReady: () =>
      watchers.every((watcher) => ["synced", "not-served"].includes(watcher.state().phase)),
  });
  // Which reported item each object currently stands for: its mapping can change.
  const reportedAs = new Map<string, string>();
  const ignored = new Set<string>();
  const unreadable = new Set<string>();

  const forget = (key: string, observedAt: string) => {
    const previous = reportedAs.get(key);
    if (previous) reporter.remove(previous, observedAt);
    reportedAs.delete(key);
  };

  const upsert = (kind: SourceKind, object: KubernetesObject) => {
    const key = objectKey(kind, object);
    const observedAt = new Date().toISOString();
    const conversion = toStatusItem(kind, object, { mapping, observedAt });
    if (!conversion.ok) {
      (conversion.reason === "unmapped" ? ignored : unreadable).add(key);
      forget(key, observedAt);
      return;
    }
    ignored.delete(key);
    unreadable.delete(key);
    const { item } = conversion;
    const itemKey = `${key}|${item.application}|${item.environment}`;
    if (reportedAs.get(key) !== itemKey) forget(key, observedAt);
    reportedAs.set(key, itemKey);
    reporter.upsert(itemKey, item);
  };

  const remove = (kind: SourceKind, object: KubernetesObject) => {
    const key = objectKey(kind, object);
    ignored.delete(key);
    unreadable.delete(key);
    forget(key, new Date().toISOString());
  };

  for (const resource of options.resources ?? WATCHED_RESOURCES) {
    watchers.push(
      watchResource({
        kubeConfig: options.kubeConfig,
        resource,
        backoff: options.watchBackoff,
        onUpsert: (object) => upsert(resource.kind, object),
        onDelete: (object) => remove(resource.kind, object),
        onError: (failed, message) =>
          logger.warn("agent: watch failed; retrying", {
            resource: `${failed.plural}.${failed.group}`,
            error: message,
          }),
      }),
    );
  }

  let timeout: NodeJS.Timeout | undefined;
  let stopped = false;
  const ready = Promise.race([
    Promise.all(watchers.map((watcher) => watcher.synced)),
    new Promise<void>((resolve) => {
      timeout = setTimeout(resolve, options.initialSyncTimeoutMs ?? 30_000);
    }),
  ]).then(() => {
    clearTimeout(timeout);
    if (!stopped) reporter.start();
  });

  return {
    ready,
    state: () => ({
      watchers: watchers.map((watcher) => watcher.state()),
      ignored: ignored.size,
      unreadable: unreadable.size,
      reporter: reporter.stats(),
    }),
    async stop(deadlineMs = 10_000) {
      stopped = true;
      clearTimeout(timeout);
      await Promise.all(watchers.map((watcher) => watcher.stop()));
      return reporter.stop(deadlineMs);
    },
  };
}
