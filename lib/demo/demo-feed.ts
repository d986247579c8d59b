import { latestImportId } from "@/lib/catalogue/list-applications";
import type { GantryConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { CiToken } from "@/lib/identity/principal";
import { log, logUnexpected } from "@/lib/log";
import { DEMO_CI_TOKEN_ID } from "@/lib/releases/dto";
import { registerRelease } from "@/lib/releases/register-release";
import type { ReleaseJobs } from "@/lib/releases/types";
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
 * revision, and a few seconds later Synced/Healthy at the new commit (each
 * cluster a second after the one before); the others stay at the commit
 * they settled at. A report every `refreshEveryMs` keeps the clusters from going
 * stale: an empty one (a heartbeat, as an agent with nothing new sends),
 * because resending every application costs the portal about a second of
 * CPU per cluster at 10,000 apps and changes nothing. After a catalogue
 * import, each cluster reports the applications it added; the whole fleet is
 * reported again every `snapshotEveryMs`. Both one cluster per tick, so they
 * never all land on the portal at once.
 *
 * Given the release jobs, it also plays CI: every `releaseEveryMs` it
 * registers a demo release (the next patch version) of one of a few
 * applications, labelled as such, so the progression rules of the demo
 * environments move releases through them after `npm start`.
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
const DEMO_RELEASE_NOTES = "Demo release: registered by Gantry's demo feed, not by a CI pipeline.";
/** The applications demo releases rotate through (the first ones by name): enough to see, few enough to follow. */
const DEMO_RELEASE_APPS = 6;

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
  /** The commit each application last settled at (its values file last changed by then). */
  revisions: Map<string, string | null>;
  /** The last report of any kind (a heartbeat or the whole fleet). */
  lastReportAt: number;
  /** The last report of the whole fleet, and the catalogue import it was read from. */
  lastRefreshAt: number;
  refreshedImport: string | null;
  /** Stagger: each cluster of an environment settles a little after the previous one. */
  settleAfterMs: number;
}

/** An application of a cluster's environment, and the values file that moves it. */
interface DemoTarget {
  slug: string;
  valuesPath: string;
}

/** What one step sent: reports, the statuses in them, and whether they were the whole fleet. */
interface Sent {
  reports: number;
  items: number;
  full: boolean;
}

export interface DemoFeedTick {
  /** Reports accepted, per cluster name. */
  reports: Record<string, number>;
  /** Application statuses those reports carried, per cluster name (0: a heartbeat). */
  items: Record<string, number>;
  /** The demo release registered in this tick, if one was. */
  release?: { application: string; version: string };
}

export class DemoFeed {
  private readonly db: PrismaClient;
  private readonly git: LocalGitProvider;
  private readonly clusters: DemoCluster[];
  private readonly refreshEveryMs: number;
  private readonly snapshotEveryMs: number;
  private readonly releaseJobs: ReleaseJobs | null;
  private readonly releaseEveryMs: number;
  private lastReleaseAt: number | null = null;
  private releases = 0;
  private sequence = 0;

  private constructor(params: {
    db: PrismaClient;
    git: LocalGitProvider;
    clusters: DemoCluster[];
    refreshEveryMs: number;
    snapshotEveryMs: number;
    releaseJobs: ReleaseJobs | null;
    releaseEveryMs: number;
  }) {
    this.db = params.db;
    this.git = params.git;
    this.clusters = params.clusters;
    this.refreshEveryMs = params.refreshEveryMs;
    this.snapshotEveryMs = params.snapshotEveryMs;
    this.releaseJobs = params.releaseJobs;
    this.releaseEveryMs = params.releaseEveryMs;
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
    snapshotEveryMs?: number;
    /** Registers demo releases when given (and evaluates the rules when a report deploys one). */
    releaseJobs?: ReleaseJobs | null;
    releaseEveryMs?: number;
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
        revisions: new Map(),
        lastReportAt: 0,
        lastRefreshAt: 0,
        refreshedImport: null,
        settleAfterMs: settleAfterMs + index * 1_000,
      });
    }
    return new DemoFeed({
      db,
      git: params.git,
      clusters,
      refreshEveryMs: params.refreshEveryMs ?? 30_000,
      snapshotEveryMs: params.snapshotEveryMs ?? 15 * 60_000,
      releaseJobs: params.releaseJobs ?? null,
      releaseEveryMs: params.releaseEveryMs ?? 4 * 60_000,
    });
  }

  /** The clusters this feed reports for. */
  get clusterNames(): string[] {
    return this.clusters.map((cluster) => cluster.name);
  }

  /** One step: look at the default branch, and report what each cluster would by `now`. */
  async tick(now: Date = new Date()): Promise<DemoFeedTick> {
    const head = await this.git.resolveRef(this.git.defaultBranch);
    const imported = await latestImportId(this.db);
    const at = now.getTime();
    const result: DemoFeedTick = { reports: {}, items: {} };
    if (
      this.releaseJobs &&
      (this.lastReleaseAt === null || at - this.lastReleaseAt >= this.releaseEveryMs)
    ) {
      this.lastReleaseAt = at;
      try {
        result.release = await this.registerDemoRelease(this.releaseJobs, now);
      } catch (error) {
        logUnexpected(error, { during: "demo release" });
      }
    }
    // Refreshes nothing asked for (no commit, no import) wait their turn: one cluster per tick.
    let periodicRefreshes = 0;
    for (const cluster of this.clusters) {
      try {
        const due = this.periodicRefreshDue(cluster, imported, at);
        const sent = await this.step(cluster, head, at, imported, due && periodicRefreshes === 0);
        if (sent.full && due) periodicRefreshes += 1;
        result.reports[cluster.name] = sent.reports;
        result.items[cluster.name] = sent.items;
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

  /** The whole fleet is due again: the catalogue was imported since, or it is time. */
  private periodicRefreshDue(cluster: DemoCluster, imported: string | null, at: number): boolean {
    return (
      cluster.applied !== null &&
      (cluster.refreshedImport !== imported || at - cluster.lastRefreshAt >= this.snapshotEveryMs)
    );
  }

  private async step(
    cluster: DemoCluster,
    head: string,
    at: number,
    imported: string | null,
    refreshDue: boolean,
  ): Promise<Sent> {
    if (cluster.applied === null) {
      cluster.applied = head;
      cluster.target = head;
      return this.refresh(cluster, at, imported);
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
          moving,
          (target) => this.item(cluster, target.slug, "moving", at),
          at,
        );
      }
    }
    if (cluster.target !== cluster.applied && at - cluster.targetSeenAt >= cluster.settleAfterMs) {
      // Only what moved settles at the new commit; the rest runs what it ran. Resending
      // every application at a new revision rewrote 10,000 rows per cluster per merge.
      const targets = await this.targets(cluster.environment);
      const moved = targets.filter((target) => cluster.pending.has(target.valuesPath));
      cluster.applied = cluster.target;
      cluster.pending.clear();
      for (const target of moved) cluster.revisions.set(target.slug, cluster.applied);
      if (moved.length > 0) {
        return this.send(
          cluster,
          "delta",
          moved,
          (target) => this.item(cluster, target.slug, "settled", at),
          at,
        );
      }
    }
    if (refreshDue) {
      // After an import (a merge brings one every few minutes) only what it added is new to the
      // cluster: resending the whole fleet then was most of what the server allocated at rest.
      return at - cluster.lastRefreshAt < this.snapshotEveryMs
        ? this.reportAdded(cluster, at, imported)
        : this.refresh(cluster, at, imported);
    }
    // Nothing new: a heartbeat, so the cluster does not read as stale.
    if (at - cluster.lastReportAt >= this.refreshEveryMs)
      return this.send(
        cluster,
        "delta",
        [],
        (target) => this.item(cluster, target.slug, "settled", at),
        at,
      );
    return { reports: 0, items: 0, full: false };
  }

  /**
   * Every application of the cluster's environment, as it stands: a snapshot when it fits in one
   * report. The statuses are made one report at a time: at 50,000 applications the whole
   * fleet's at once was tens of MiB more on the server's heap, per cluster.
   */
  private async refresh(cluster: DemoCluster, at: number, imported: string | null): Promise<Sent> {
    const targets = await this.targets(cluster.environment);
    for (const target of targets) {
      if (!cluster.revisions.has(target.slug)) cluster.revisions.set(target.slug, cluster.applied);
    }
    cluster.lastRefreshAt = at;
    cluster.refreshedImport = imported;
    const sent = await this.send(
      cluster,
      targets.length <= MAX_ITEMS_PER_REPORT ? "snapshot" : "delta",
      targets,
      (target) =>
        this.item(
          cluster,
          target.slug,
          cluster.pending.has(target.valuesPath) ? "moving" : "settled",
          at,
        ),
      at,
    );
    return { ...sent, full: true };
  }

  /**
   * The applications of the cluster's environment it has not reported yet (an import added
   * them), as a delta; the others stand as reported. One that left the catalogue goes
   * Missing at the next periodic snapshot.
   */
  private async reportAdded(
    cluster: DemoCluster,
    at: number,
    imported: string | null,
  ): Promise<Sent> {
    const added = (await this.targets(cluster.environment)).filter(
      (target) => !cluster.revisions.has(target.slug),
    );
    for (const target of added) cluster.revisions.set(target.slug, cluster.applied);
    cluster.refreshedImport = imported;
    if (added.length === 0) return { reports: 0, items: 0, full: true };
    const sent = await this.send(
      cluster,
      "delta",
      added,
      (target) =>
        this.item(
          cluster,
          target.slug,
          cluster.pending.has(target.valuesPath) ? "moving" : "settled",
          at,
        ),
      at,
    );
    return { ...sent, full: true };
  }

  private item(
    cluster: DemoCluster,
    application: string,
    phase: "moving" | "settled",
    at: number,
  ): StatusItem {
    const revision = cluster.revisions.get(application) ?? cluster.applied;
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
      syncedRevision: revision,
      attemptedRevision: phase === "moving" ? cluster.target : revision,
      message: DEMO_MESSAGE,
      observedAt: new Date(at).toISOString(),
    };
  }

  /**
   * Registers the next demo release of one of the first applications by
   * name, in turn: the patch after the newest version the first environment
   * runs or CI registered. Through registerRelease, as a CI token of the
   * application's team would.
   */
  private async registerDemoRelease(
    jobs: ReleaseJobs,
    now: Date,
  ): Promise<{ application: string; version: string } | undefined> {
    const first = await this.db.environment.findFirst({
      where: { archivedAt: null },
      orderBy: { position: "asc" },
      select: { id: true },
    });
    if (!first) return undefined;
    const targets = await this.db.deploymentTarget.findMany({
      where: { environmentId: first.id, archivedAt: null, application: { archivedAt: null } },
      select: {
        desiredVersion: true,
        application: { select: { id: true, slug: true, team: { select: { slug: true } } } },
      },
      orderBy: { application: { slug: "asc" } },
      take: DEMO_RELEASE_APPS,
    });
    const target = targets[this.releases % Math.max(targets.length, 1)];
    if (!target?.desiredVersion) return undefined;
    this.releases += 1;
    const newest = await this.db.release.findFirst({
      where: { applicationId: target.application.id, registeredAt: { not: null } },
      orderBy: { registeredAt: "desc" },
      select: { version: true },
    });
    const version = nextPatch(
      [target.desiredVersion, newest?.version].filter((v) => v !== undefined),
    );
    const demoCi: CiToken = {
      kind: "ci_token",
      id: DEMO_CI_TOKEN_ID,
      name: "demo CI (Gantry's demo feed)",
      scopes: ["releases:write"],
      teams: [target.application.team.slug],
    };
    await registerRelease({
      db: this.db,
      jobs,
      principal: demoCi,
      input: { app: target.application.slug, version, notes: DEMO_RELEASE_NOTES },
      now,
    });
    log.info("demo release registered", { application: target.application.slug, version });
    return { application: target.application.slug, version };
  }

  /**
   * Through the agent's path: the token is checked as the endpoint checks it, then ingested.
   * The statuses of `targets` are made report by report (MAX_ITEMS_PER_REPORT at a time).
   */
  private async send(
    cluster: DemoCluster,
    kind: SyncReport["kind"],
    targets: readonly DemoTarget[],
    statusOf: (target: DemoTarget) => StatusItem,
    at: number,
  ): Promise<Sent> {
    const request = new Request(`http://gantry.local/api/v1/clusters/${cluster.name}/reports`, {
      method: "POST",
      headers: { authorization: `Bearer ${cluster.token}` },
    });
    const reporting = await authenticateCluster({ db: this.db, request, cluster: cluster.name });
    let sent = 0;
    for (let start = 0; start < Math.max(targets.length, 1); start += MAX_ITEMS_PER_REPORT) {
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
          items: targets.slice(start, start + MAX_ITEMS_PER_REPORT).map(statusOf),
        },
        ...(this.releaseJobs ? { releaseJobs: this.releaseJobs } : {}),
      });
      sent += 1;
    }
    cluster.lastReportAt = at;
    return { reports: sent, items: targets.length, full: false };
  }

  private async targets(environment: string): Promise<DemoTarget[]> {
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

/** The patch after the highest of `versions` ("1.4.2" → "1.4.3"); a version without numbers gets ".1". */
export function nextPatch(versions: readonly string[]): string {
  const numbers = (version: string) => (version.match(/\d+/g) ?? []).map(Number);
  const newest = [...versions].sort((a, b) => {
    const [x, y] = [numbers(a), numbers(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const difference = (x[i] ?? 0) - (y[i] ?? 0);
      if (difference !== 0) return difference;
    }
    return 0;
  })[versions.length - 1];
  if (newest === undefined) return "0.0.1";
  const last = /(\d+)(?!.*\d)/.exec(newest);
  if (!last) return `${newest}.1`;
  return `${newest.slice(0, last.index)}${Number(last[1]) + 1}${newest.slice(last.index + last[0].length)}`;
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
  releaseJobs?: ReleaseJobs | null;
}): Promise<RunningDemoFeed | null> {
  if (!demoFeedEnabled(params.config) || params.git === null) return null;
  const feed = await DemoFeed.create({
    db: params.db,
    git: params.git,
    releaseJobs: params.releaseJobs ?? null,
  });
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
