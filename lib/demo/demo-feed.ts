import type { GantryConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { LocalGitProvider } from "@/lib/git/local/local-provider";
import { log, logUnexpected } from "@/lib/log";
import { authenticateCluster } from "@/lib/sync/authenticate-cluster";
import { ingestReport } from "@/lib/sync/ingest-report";
import { registerClusterToken } from "@/lib/sync/register-cluster-token";
import { rotateClusterToken } from "@/lib/sync/rotate-cluster-token";
import {
  MAX_ITEMS_PER_REPORT,
  REPORT_SCHEMA_VERSION,
  type StatusItem,
  type SyncReport,
} from "@/lib/sync-status/report";

/**
 * The embedded default's stand-in for in-cluster agents: the clusters of
 * environments.yaml report status by themselves, following merges in the
 * local GitOps repository, so a promotion visibly goes merged → syncing →
 * deployed on a laptop with no Kubernetes.
 *
 * It registers a token for each cluster and reports through the same path
 * as a real agent (token check, report schema, `ingestReport`), labelled
 * `agent.mode = "demo"`. After a commit on the default branch, the
 * applications whose values changed report OutOfSync/Progressing at the old
 * revision, and a few seconds later every application reports
 * Synced/Healthy at the new commit (each cluster a second after the one
 * before). A refresh every `refreshEveryMs` keeps the rows from going stale.
 */

/** Only in the embedded default: local Git, demo seed, embedded Postgres; never with GANTRY_DEMO_FEED=off. */
export function demoFeedEnabled(
  config: Pick<GantryConfig, "databaseUrl" | "git" | "demo">,
): boolean {
  return (
    config.demo.feed === "auto" &&
    config.git.provider === "local" &&
    config.demo.seed &&
    config.databaseUrl === undefined
  );
}

const DEMO_AGENT_VERSION = "gantry-demo-feed/1";
const DEMO_MESSAGE = "reported by Gantry's demo feed, not by a cluster";

interface DemoCluster {
  name: string;
  environment: string;
  token: string;
  /** The revision this cluster has applied; null before its first report. */
  applied: string | null;
  /** The newest commit of the default branch it has seen, and when. */
  target: string | null;
  targetSeenAt: number;
  /** Values files changed between `applied` and `target`: those apps are OutOfSync. */
  pending: Set<string>;
  lastRefreshAt: number;
  /** Stagger: each cluster of an environment settles a little after the previous one. */
  settleAfterMs: number;
}

export interface DemoFeedTick {
  /** Reports accepted, per cluster name. */
  reports: Record<string, number>;
}

export class DemoFeed {
  private readonly db: PrismaClient;
  private readonly git: LocalGitProvider;
  private readonly clusters: DemoCluster[];
  private readonly refreshEveryMs: number;
  private sequence = 0;

  private constructor(params: {
    db: PrismaClient;
    git: LocalGitProvider;
    clusters: DemoCluster[];
    refreshEveryMs: number;
  }) {
    this.db = params.db;
    this.git = params.git;
    this.clusters = params.clusters;
    this.refreshEveryMs = params.refreshEveryMs;
  }

  /**
   * Issues a token for every active cluster without one, and a fresh one for
   * clusters only the demo feed has reported for (the plain token lives in
   * this process only). A cluster a real agent reports for is left to it.
   */
  static async create(params: {
    db: PrismaClient;
    git: LocalGitProvider;
    settleAfterMs?: number;
    refreshEveryMs?: number;
  }): Promise<DemoFeed> {
    const { db } = params;
    const settleAfterMs = params.settleAfterMs ?? 4_000;
    const rows = await db.cluster.findMany({
      where: { archivedAt: null, environment: { archivedAt: null } },
      select: {
        name: true,
        tokenHash: true,
        agentMode: true,
        environment: { select: { name: true, position: true } },
      },
      orderBy: [{ environment: { position: "asc" } }, { name: "asc" }],
    });
    const clusters: DemoCluster[] = [];
    const perEnvironment = new Map<string, number>();
    for (const row of rows) {
      if (row.tokenHash !== null && row.agentMode !== null && row.agentMode !== "demo") {
        log.info("demo feed leaves a cluster to its agent", { cluster: row.name });
        continue;
      }
      const issued =
        row.tokenHash === null
          ? await registerClusterToken({ db, cluster: row.name })
          : await rotateClusterToken({ db, cluster: row.name });
      const index = perEnvironment.get(row.environment.name) ?? 0;
      perEnvironment.set(row.environment.name, index + 1);
      clusters.push({
        name: row.name,
        environment: row.environment.name,
        token: issued.token,
        applied: null,
        target: null,
        targetSeenAt: 0,
        pending: new Set(),
        lastRefreshAt: 0,
        settleAfterMs: settleAfterMs + index * 1_000,
      });
    }
    return new DemoFeed({
      db,
      git: params.git,
      clusters,
      refreshEveryMs: params.refreshEveryMs ?? 30_000,
    });
  }

  /** The clusters this feed reports for. */
  get clusterNames(): string[] {
    return this.clusters.map((cluster) => cluster.name);
  }

  /** One step: look at the default branch, and report what each cluster would by `now`. */
  async tick(now: Date = new Date()): Promise<DemoFeedTick> {
    const head = await this.git.resolveRef(this.git.defaultBranch);
    const at = now.getTime();
    const result: DemoFeedTick = { reports: {} };
    for (const cluster of this.clusters) {
      try {
        result.reports[cluster.name] = await this.step(cluster, head, at);
      } catch (error) {
        if (isGantryError(error) && error.code === "unauthenticated") {
          // Revoked or rotated by an admin: the cluster is theirs now.
          log.warn("demo feed stops reporting for a cluster whose token was revoked", {
            cluster: cluster.name,
          });
          this.clusters.splice(this.clusters.indexOf(cluster), 1);
        } else {
          logUnexpected(error, { during: "demo feed", cluster: cluster.name });
        }
      }
    }
    return result;
  }

  private async step(cluster: DemoCluster, head: string, at: number): Promise<number> {
    if (cluster.applied === null) {
      cluster.applied = head;
      cluster.target = head;
      return this.refresh(cluster, at);
    }
    if (head !== cluster.target) {
      for (const path of await this.changedPaths(cluster.applied, head)) cluster.pending.add(path);
      cluster.target = head;
      cluster.targetSeenAt = at;
      const targets = await this.targets(cluster.environment);
      const moving = targets.filter((target) => cluster.pending.has(target.valuesPath));
      if (moving.length > 0) {
        return this.send(
          cluster,
          "delta",
          moving.map((target) => this.item(cluster, target.slug, "moving", at)),
          at,
        );
      }
    }
    if (cluster.target !== cluster.applied && at - cluster.targetSeenAt >= cluster.settleAfterMs) {
      cluster.applied = cluster.target;
      cluster.pending.clear();
      return this.refresh(cluster, at);
    }
    if (at - cluster.lastRefreshAt >= this.refreshEveryMs) return this.refresh(cluster, at);
    return 0;
  }

  /** Every application of the cluster's environment, as it stands: a snapshot when it fits in one report. */
  private async refresh(cluster: DemoCluster, at: number): Promise<number> {
    const targets = await this.targets(cluster.environment);
    const items = targets.map((target) =>
      this.item(
        cluster,
        target.slug,
        cluster.pending.has(target.valuesPath) ? "moving" : "settled",
        at,
      ),
    );
    cluster.lastRefreshAt = at;
    return this.send(
      cluster,
      items.length <= MAX_ITEMS_PER_REPORT ? "snapshot" : "delta",
      items,
      at,
    );
  }

  private item(
    cluster: DemoCluster,
    application: string,
    phase: "moving" | "settled",
    at: number,
  ): StatusItem {
    return {
      application,
      environment: cluster.environment,
      source: {
        kind: "argocd-application",
        namespace: "argocd",
        name: `${application}-${cluster.environment}`,
      },
      syncState: phase === "moving" ? "OutOfSync" : "Synced",
      health: phase === "moving" ? "Progressing" : "Healthy",
      syncedRevision: cluster.applied,
      attemptedRevision: phase === "moving" ? cluster.target : cluster.applied,
      message: DEMO_MESSAGE,
      observedAt: new Date(at).toISOString(),
    };
  }

  /** Through the agent's path: the token is checked as the endpoint checks it, then ingested. */
  private async send(
    cluster: DemoCluster,
    kind: SyncReport["kind"],
    items: StatusItem[],
    at: number,
  ): Promise<number> {
    const request = new Request(`http://gantry.local/api/v1/clusters/${cluster.name}/reports`, {
      method: "POST",
      headers: { authorization: `Bearer ${cluster.token}` },
    });
    const reporting = await authenticateCluster({ db: this.db, request, cluster: cluster.name });
    let sent = 0;
    for (let start = 0; start < Math.max(items.length, 1); start += MAX_ITEMS_PER_REPORT) {
      this.sequence += 1;
      await ingestReport({
        db: this.db,
        git: this.git,
        cluster: reporting,
        report: {
          schemaVersion: REPORT_SCHEMA_VERSION,
          agent: { version: DEMO_AGENT_VERSION, mode: "demo" },
          kind,
          sequence: this.sequence,
          sentAt: new Date(at).toISOString(),
          items: items.slice(start, start + MAX_ITEMS_PER_REPORT),
        },
      });
      sent += 1;
    }
    return sent;
  }

  private async targets(environment: string): Promise<{ slug: string; valuesPath: string }[]> {
    const rows = await this.db.deploymentTarget.findMany({
      where: {
        archivedAt: null,
        environment: { name: environment },
        application: { archivedAt: null },
      },
      select: { valuesPath: true, application: { select: { slug: true } } },
      orderBy: { application: { slug: "asc" } },
    });
    return rows.map((row) => ({ slug: row.application.slug, valuesPath: row.valuesPath }));
  }

  private async changedPaths(from: string, to: string): Promise<string[]> {
    const out = await this.git.git.text(["diff", "--name-only", "-z", from, to, "--", "apps/"]);
    return out.split("\0").filter((path) => path !== "");
  }
}

export interface RunningDemoFeed {
  feed: DemoFeed;
  stop(): Promise<void>;
}

/**
 * Starts the feed when the configuration allows it (null otherwise): a tick
 * every `intervalMs`, never two at once, until `stop()`.
 */
export async function startDemoFeed(params: {
  config: Pick<GantryConfig, "databaseUrl" | "git" | "demo">;
  db: PrismaClient;
  git: LocalGitProvider | null;
  intervalMs?: number;
}): Promise<RunningDemoFeed | null> {
  if (!demoFeedEnabled(params.config) || params.git === null) return null;
  const feed = await DemoFeed.create({ db: params.db, git: params.git });
  const intervalMs = params.intervalMs ?? 1_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = feed
        .tick()
        .catch((error: unknown) => logUnexpected(error, { during: "demo feed" }))
        .finally(schedule);
    }, intervalMs);
  };
  schedule();
  log.info("demo feed started", { clusters: feed.clusterNames });
  return {
    feed,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
