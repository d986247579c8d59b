// Helpers for the agent tests: a recorder standing in for the portal's ingest
// endpoint, a TCP proxy that can cut the agent off from the apiserver, and the
// agent's ServiceAccount with the ClusterRole from deploy/agent/agent.yaml.
import { readFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { KubeConfig, type V1PolicyRule } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { type StatusItem, type SyncReport, SyncReportSchema } from "@/lib/sync-status/report";
import type { ClusterClient } from "./cluster-client.ts";

const gunzipAsync = promisify(gunzip);

export const agentManifest = new URL("../../deploy/agent/agent.yaml", import.meta.url);

const PolicyRules = z.array(
  z.object({
    apiGroups: z.array(z.string()),
    resources: z.array(z.string()),
    verbs: z.array(z.string()),
  }),
);

/** The rules of the ClusterRole in deploy/agent/agent.yaml, exactly as shipped. */
export async function agentClusterRoleRules(): Promise<V1PolicyRule[]> {
  for (const document of parseAllDocuments(await readFile(agentManifest, "utf8"))) {
    const object: { kind?: string; rules?: unknown } | null = document.toJS();
    if (object?.kind === "ClusterRole") return PolicyRules.parse(object.rules);
  }
  throw new Error(`${agentManifest.pathname} has no ClusterRole`);
}

/** A ServiceAccount bound only to the agent's ClusterRole; its token-based kubeconfig. */
export async function agentKubeConfig(cluster: ClusterClient, namespace: string) {
  return cluster.serviceAccountKubeConfig({
    namespace,
    name: "gantry-agent",
    scope: "cluster",
    rules: await agentClusterRoleRules(),
  });
}

/** The same credentials, pointed at another server (the proxy). */
export function withServer(kubeConfig: KubeConfig, server: string): KubeConfig {
  const cluster = kubeConfig.getCurrentCluster();
  const user = kubeConfig.getCurrentUser();
  if (!cluster || !user) throw new Error("kubeconfig has no current cluster or user");
  const moved = new KubeConfig();
  moved.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: [user],
    contexts: [{ name: "proxied", cluster: cluster.name, user: user.name }],
    currentContext: "proxied",
  });
  return moved;
}

export interface ReceivedItem {
  item: StatusItem;
  report: SyncReport;
  receivedAt: number;
}

/**
 * Plays the portal's `POST /api/v1/clusters/{cluster}/reports`: checks the
 * token and gzip, validates every report with the shared SyncReportSchema,
 * records it, or answers `failWith` (503) while the test says the portal is down.
 */
export class ReportRecorder {
  readonly reports: { report: SyncReport; receivedAt: number }[] = [];
  /** Requests the recorder could not accept: wrong path, token, encoding or schema. */
  readonly invalid: string[] = [];
  attempts = 0;
  failWith: number | null = null;
  private server: http.Server | undefined;
  url = "";

  constructor(
    private readonly cluster: string,
    private readonly token: string,
  ) {}

  static async start(cluster: string, token: string): Promise<ReportRecorder> {
    const recorder = new ReportRecorder(cluster, token);
    const server = http.createServer((request, response) => {
      recorder.handle(request, response).catch((error: unknown) => {
        recorder.invalid.push(String(error));
        response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("recorder has no port");
    recorder.server = server;
    recorder.url = `http://127.0.0.1:${address.port}`;
    return recorder;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(Buffer.from(chunk));
    this.attempts++;
    if (this.failWith !== null) {
      response.writeHead(this.failWith, { "content-type": "text/plain" }).end("portal down");
      return;
    }
    const problems: string[] = [];
    if (request.method !== "POST") problems.push(`method ${request.method}`);
    if (request.url !== `/api/v1/clusters/${this.cluster}/reports`)
      problems.push(`path ${request.url}`);
    if (request.headers.authorization !== `Bearer ${this.token}`) problems.push("bad token");
    if (request.headers["content-encoding"] !== "gzip") problems.push("not gzip");
    if (problems.length > 0) {
      this.invalid.push(problems.join(", "));
      response.writeHead(400).end(problems.join(", "));
      return;
    }
    const body = await gunzipAsync(Buffer.concat(chunks));
    const parsed = SyncReportSchema.safeParse(JSON.parse(body.toString("utf8")));
    if (!parsed.success) {
      this.invalid.push(parsed.error.message);
      response.writeHead(400).end(parsed.error.message);
      return;
    }
    this.reports.push({ report: parsed.data, receivedAt: Date.now() });
    response.writeHead(202, { "content-type": "application/json" }).end('{"accepted":true}');
  }

  /** Every item received, in order. */
  items(): ReceivedItem[] {
    return this.reports.flatMap(({ report, receivedAt }) =>
      report.items.map((item) => ({ item, report, receivedAt })),
    );
  }

  /** The last item received for one object (by namespace and name). */
  last(namespace: string, name: string): StatusItem | undefined {
    return this.items()
      .filter(({ item }) => item.source.namespace === namespace && item.source.name === name)
      .at(-1)?.item;
  }

  /** Waits (polling, with a deadline) for an item matching `predicate` received after index `from`. */
  async waitFor(
    what: string,
    predicate: (item: StatusItem) => boolean,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<ReceivedItem> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const found = this.items()
        .slice(options.after ?? 0)
        .find(({ item }) => predicate(item));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.items()
          .slice(-10)
          .map(({ item }) => `${item.source.name}:${item.syncState}/${item.health}`);
        throw new Error(`timed out waiting for ${what}; last items: ${seen.join(", ") || "none"}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Polls `check` until it returns true, with a deadline. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A TCP proxy in front of the apiserver (TLS passes through untouched). `cut()`
 * resets every open connection and refuses new ones until `resume()`: the
 * agent sees the apiserver vanish, as in a network partition.
 */
export async function startTcpProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `https://127.0.0.1:${address.port}`,
    cut() {
      cut = true;
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    },
    resume() {
      cut = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const quietLogger = { info: () => {}, warn: () => {}, error: () => {} };
