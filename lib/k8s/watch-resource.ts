import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from "@kubernetes/client-node";
import { z } from "zod";
import type { WatchedResource } from "./objects";

/**
 * List + watch one resource type across the cluster with the client
 * library's informer, filling the gaps it leaves:
 *
 * - The informer re-lists by itself on `410 Gone` (an `ERROR` event or an
 *   HTTP 410) and reconnects from the last resourceVersion after a server-side
 *   close or its 30 s inactivity timeout. Any other failure (connection reset,
 *   apiserver down, 403, 5xx, a failed list) only fires `error` and the
 *   informer stays stopped: we restart it with exponential backoff and jitter,
 *   from the last resourceVersion (a 410 then makes it re-list).
 * - The informer's list is one unpaged request: ours pages with
 *   `limit`/`continue`, so a cluster with thousands of objects is not one
 *   huge response. A `continue` token that expired mid-way fails the list,
 *   which restarts it from the beginning.
 * - A resource that is not served (its CRD is not installed: 404) is reported
 *   as such, not as a crash, and retried at the slowest pace.
 *
 * Errors are data: `state()` says how each watcher is doing.
 */

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 60_000 };

/** Full jitter: a random delay up to base·2^(attempt-1), capped. */
export function backoffDelay(attempt: number, backoff: Backoff, random = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(backoff.baseMs / 2 + random() * (ceiling - backoff.baseMs / 2));
}

type WatcherPhase = "starting" | "synced" | "not-served" | "failing" | "stopped";

export interface WatcherState {
  kind: WatchedResource["kind"];
  phase: WatcherPhase;
  /** Completed lists; more than one means the informer re-listed (410 Gone). */
  lists: number;
  /** Restarts after errors. */
  restarts: number;
  lastError?: string;
}

export interface ResourceWatcher {
  /** Resolves when the first list is done, the resource turned out not to be served, or on stop. */
  readonly synced: Promise<void>;
  state(): WatcherState;
  stop(): Promise<void>;
}

const ListPage = z.object({
  metadata: z.looseObject({
    resourceVersion: z.string().optional(),
    continue: z.string().optional(),
  }),
  items: z.array(
    z.looseObject({
      metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
    }),
  ),
});

function statusCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  for (const key of ["statusCode", "code"] as const) {
    if (key in error) {
      const value = (error as Record<string, unknown>)[key];
      if (typeof value === "number") return value;
    }
  }
  return undefined;
}

/** Short, secret-free: the status code and the error's message (never request headers). */
function describeError(error: unknown): string {
  const code = statusCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split("\n")[0]?.slice(0, 300) ?? "";
  return code ? `HTTP ${code}: ${firstLine}` : firstLine;
}

export function watchResource(params: {
  kubeConfig: KubeConfig;
  resource: WatchedResource;
  onUpsert: (object: KubernetesObject) => void;
  onDelete: (object: KubernetesObject) => void;
  onError?: (resource: WatchedResource, message: string) => void;
  pageSize?: number;
  backoff?: Backoff;
}): ResourceWatcher {
  const { kubeConfig, resource, onUpsert, onDelete, onError } = params;
  const backoff = params.backoff ?? DEFAULT_BACKOFF;
  const pageSize = params.pageSize ?? 500;
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const path = `/apis/${resource.group}/${resource.version}/${resource.plural}`;
  const state: WatcherState = { kind: resource.kind, phase: "starting", lists: 0, restarts: 0 };
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => {};
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  const list = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const items: KubernetesObject[] = [];
    let resourceVersion = "";
    let next: string | undefined;
    do {
      const page = ListPage.parse(
        await api.listClusterCustomObject({
          group: resource.group,
          version: resource.version,
          plural: resource.plural,
          limit: pageSize,
          _continue: next,
        }),
      );
      items.push(...page.items);
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      next = page.metadata.continue || undefined;
    } while (next);
    state.lists++;
    state.phase = "synced";
    delete state.lastError;
    failures = 0;
    markSynced();
    return {
      apiVersion: `${resource.group}/${resource.version}`,
      kind: "List",
      items,
      metadata: { resourceVersion },
    };
  };

  const informer = makeInformer(kubeConfig, path, list);
  const healthy = () => {
    failures = 0;
  };
  informer.on("add", (object) => {
    healthy();
    onUpsert(object);
  });
  informer.on("update", (object) => {
    healthy();
    onUpsert(object);
  });
  informer.on("delete", (object) => {
    healthy();
    onDelete(object);
  });

  let errors = 0;
  /** `start()` resolves once the watch request is answered (or failed, which fires `error` first). */
  const connect = () => {
    const before = errors;
    informer.start().then(() => {
      if (stopped || errors !== before || state.lists === 0) return;
      state.phase = "synced";
      delete state.lastError;
    }, restart);
  };

  const restart = (error: unknown) => {
    if (stopped) return;
    errors++;
    failures++;
    const notServed = statusCode(error) === 404;
    const wasNotServed = state.phase === "not-served";
    state.phase = notServed ? "not-served" : "failing";
    state.lastError = notServed
      ? `${resource.plural}.${resource.group}/${resource.version} is not served by this cluster`
      : describeError(error);
    // A kind that is not installed is normal (a Flux-only cluster): say so once.
    if (!(notServed && wasNotServed)) onError?.(resource, state.lastError);
    // Nothing to wait for when the resource does not exist in this cluster.
    if (notServed) markSynced();
    const delay = notServed ? backoff.maxMs : backoffDelay(failures, backoff);
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (stopped) return;
      state.restarts++;
      connect();
    }, delay);
  };
  informer.on("error", restart);
  connect();

  return {
    synced,
    state: () => ({ ...state }),
    async stop() {
      stopped = true;
      state.phase = "stopped";
      clearTimeout(timer);
      markSynced();
      await informer.stop();
    },
  };
}
