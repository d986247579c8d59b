/**
 * `npm run bench:ingest`: how many status changes per second the cluster
 * report endpoint writes into Postgres, next to a plain multi-row insert of
 * the same rows into the same tables.
 *
 * Embedded Postgres (migrated) on a throwaway data directory, the demo
 * repository and the catalogue import; 20 clusters inserted as Cluster rows
 * (spread over the demo's environments) with agent tokens issued by
 * `registerClusterToken`. The real route handler of
 * `POST /api/v1/clusters/{cluster}/reports` is served by a node:http server
 * on loopback; 20 simulated agents post gzip-compressed reports of 500
 * objects each (`SyncReportSchema`), concurrently, round after round, every
 * object changing sync state, health and revision each round. The first
 * round creates the rows and is not counted.
 *
 * Baseline, same run, same tables: per cluster and round, one
 * `INSERT … SELECT FROM unnest(…)` of 500 SyncStatus rows and their 500
 * SyncStatusChange rows (one statement), with `pg` directly, 20 connections
 * concurrently.
 *
 * Prints a table and writes bench/results/ingest.json. Figures are medians
 * and percentiles of one run on this machine; compare ratios.
 */

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import pg from "pg";

import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { parseConfig } from "@/lib/config";
import { createDbClient, type Db } from "@/lib/db";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { createGitProvider } from "@/lib/git";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { createPortalClient } from "@/lib/k8s/portal-client";
import { type Agent, startAgent } from "@/lib/k8s/run-agent";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { registerClusterToken } from "@/lib/sync/register-cluster-token";
import type { StatusItem, SyncReport } from "@/lib/sync-status/report";
import { agentKubeConfig, quietLogger } from "@/test/cluster/agent-support";
import {
  apiVersionOf,
  argoApplication,
  ClusterClient,
  crdFiles,
} from "@/test/cluster/cluster-client";
import { startCluster, type TestCluster } from "@/test/cluster/harness";
import { expectPostgresShutdown, log, makeDataDir, stats, writeResults } from "./support";

process.env.GANTRY_LOG_LEVEL ||= "error";

const root = path.resolve(import.meta.dirname, "..");
const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 20);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const DEMO_APPS = 420;
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54393);
const PATCHES = Number(process.env.BENCH_PATCHES ?? 50);

/** The state of every object in round r: sync, health and revision all differ from round r − 1. */
function stateOf(round: number) {
  const even = round % 2 === 0;
  return {
    syncState: even ? ("OutOfSync" as const) : ("Synced" as const),
    health: even ? ("Progressing" as const) : ("Healthy" as const),
    syncedRevision: round.toString(16).padStart(40, "0"),
  };
}

/** Adapts node's request to the Fetch API `Request` the route handler takes, and back. */
function serve(
  handler: (
    request: Request,
    context: { params: Promise<{ cluster: string }> },
  ) => Promise<Response>,
) {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const match = /^\/api\/v1\/clusters\/([^/]+)\/reports$/.exec(req.url ?? "");
        if (!match || req.method !== "POST") {
          res.writeHead(404).end();
          return;
        }
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (typeof value === "string") headers.set(name, value);
        }
        const request = new Request(`http://${req.headers.host}${req.url}`, {
          method: "POST",
          headers,
          body: Buffer.concat(chunks),
        });
        const response = await handler(request, {
          params: Promise.resolve({ cluster: decodeURIComponent(match[1] ?? "") }),
        });
        res.writeHead(response.status, { "content-type": "application/json" });
        res.end(Buffer.from(await response.arrayBuffer()));
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    });
  });
}

const dataDir = makeDataDir("gantry-bench-ingest-");

let postgres: RunningPostgres | undefined;
let server: http.Server | undefined;
let pool: pg.Pool | undefined;
let kube: TestCluster | undefined;
let agent: Agent | undefined;
const clients: Db[] = [];

try {
  const started = performance.now();
  postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, disposable: true });
  await applyMigrations(postgres.url);
  const env = {
    DATABASE_URL: postgres.url,
    GANTRY_DATA_DIR: dataDir,
    GANTRY_GIT_PROVIDER: "local",
    GANTRY_GITOPS_REPO: "gitops",
    GANTRY_GITOPS_BRANCH: "main",
    GANTRY_DEMO_FEED: "off",
  };
  // The route handler reads its configuration (getDb, getGitProvider) from the environment.
  Object.assign(process.env, env);
  const config = parseConfig({ ...env, GANTRY_LOG_LEVEL: process.env.GANTRY_LOG_LEVEL });
  await ensureLocalRepository({
    dataDir,
    repository: "gitops",
    branch: "main",
    seed: demoRepositorySeed({ apps: DEMO_APPS }),
  });
  const db = createDbClient(postgres.url);
  clients.push(db);
  globalThis.gantryDb = db;
  const git = createGitProvider(config, { db });
  const imported = await importCatalogue({
    db,
    git,
    versionPath: config.git.versionPath,
    trigger: "bench",
  });

  // 20 clusters as Cluster rows (the demo's environments.yaml names only a few per environment).
  const environments = await db.environment.findMany({
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
  const apps = (
    await db.application.findMany({ select: { slug: true }, orderBy: { slug: "asc" } })
  ).map((a) => a.slug);
  const clusters: { name: string; environment: string; token: string }[] = [];
  for (let c = 0; c < CLUSTERS; c++) {
    const environment = environments[c % environments.length];
    if (!environment) throw new Error("the demo catalogue has no environments");
    const name = `bench-${environment.name}-${String(c + 1).padStart(2, "0")}`;
    await db.cluster.create({ data: { name, environmentId: environment.id } });
    const { token } = await registerClusterToken({ db, cluster: name });
    clusters.push({ name, environment: environment.name, token });
  }
  log(
    `${imported.appsSeen} apps imported, ${environments.length} environments, ${CLUSTERS} clusters; set-up ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const { POST } = await import("@/app/api/v1/clusters/[cluster]/reports/route");
  server = serve(POST);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const T0 = Date.now() - 3_600_000;
  const objectName = (c: number, i: number) => `obj-${c}-${i}`;
  const appOf = (c: number, i: number) => apps[(c * OBJECTS + i) % apps.length] ?? "";

  function reportFor(c: number, round: number): SyncReport {
    const cluster = clusters[c];
    if (!cluster) throw new Error(`no cluster ${c}`);
    const state = stateOf(round);
    const observedAt = new Date(T0 + round * 1_000).toISOString();
    const items: StatusItem[] = Array.from({ length: OBJECTS }, (_, i) => ({
      application: appOf(c, i),
      environment: cluster.environment,
      source: { kind: "argocd-application", namespace: "argocd", name: objectName(c, i) },
      ...state,
      attemptedRevision: state.syncedRevision,
      message: state.health === "Healthy" ? "successfully synced" : "waiting for rollout",
      observedAt,
    }));
    return {
      schemaVersion: 1,
      agent: { version: "0.0.0-bench", mode: "agent" },
      kind: "delta",
      sequence: round + 1,
      sentAt: observedAt,
      items,
    };
  }

  async function post(c: number, round: number) {
    const cluster = clusters[c];
    if (!cluster) throw new Error(`no cluster ${c}`);
    // Built and compressed before the clock starts: the agent's work, not the portal's.
    const body = gzipSync(JSON.stringify(reportFor(c, round)));
    const start = performance.now();
    const response = await fetch(`${base}/api/v1/clusters/${cluster.name}/reports`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${cluster.token}`,
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      body,
    });
    const result = (await response.json()) as { changes?: number; written?: number };
    const ms = performance.now() - start;
    if (!response.ok) {
      throw new Error(
        `report ${cluster.name}#${round}: ${response.status} ${JSON.stringify(result)}`,
      );
    }
    return { ms, changes: result.changes ?? 0, bytes: body.length };
  }

  // Round 0 creates every row (insert + first history row); warm-up, not counted.
  const warm = performance.now();
  await Promise.all(clusters.map((_, c) => post(c, 0)));
  log(`round 0 (creates ${CLUSTERS * OBJECTS} rows): ${(performance.now() - warm).toFixed(0)} ms`);

  // ---- 1. HTTP ingest: 20 agents concurrently, ROUNDS rounds each ----
  const reportTimes: number[] = [];
  let changed = 0;
  let reportBytes = 0;
  const ingestStart = performance.now();
  await Promise.all(
    clusters.map(async (_, c) => {
      for (let round = 1; round <= ROUNDS; round++) {
        const r = await post(c, round);
        reportTimes.push(r.ms);
        changed += r.changes;
        reportBytes = r.bytes;
      }
    }),
  );
  const ingestSeconds = (performance.now() - ingestStart) / 1000;
  const expected = CLUSTERS * OBJECTS * ROUNDS;
  if (changed !== expected)
    throw new Error(`expected ${expected} changes, ingest reported ${changed}`);
  const ingestRate = changed / ingestSeconds;
  const reportStats = stats(reportTimes);
  log(`ingest: ${changed} changes in ${ingestSeconds.toFixed(2)} s`);

  // ---- 2. Baseline: the same rows, plain multi-row inserts into the same tables ----
  pool = new pg.Pool({ connectionString: postgres.url, max: CLUSTERS });
  const ids = await db.$queryRaw<{ id: string; environmentId: string; name: string }[]>`
    SELECT id::text, "environmentId"::text, name FROM "Cluster" WHERE name LIKE 'bench-%'`;
  const clusterIds = new Map(ids.map((row) => [row.name, row]));
  const appIds = new Map(
    (await db.application.findMany({ select: { id: true, slug: true } })).map((a) => [
      a.slug,
      a.id,
    ]),
  );
  const baselineTimes: number[] = [];
  const baselineStart = performance.now();
  await Promise.all(
    clusters.map(async (cluster, c) => {
      const row = clusterIds.get(cluster.name);
      if (!row) throw new Error(`no cluster row ${cluster.name}`);
      for (let round = 1; round <= ROUNDS; round++) {
        const state = stateOf(round);
        const observedAt = new Date(T0 + round * 1_000).toISOString();
        const names = Array.from(
          { length: OBJECTS },
          (_, i) => `copy-${round}-${objectName(c, i)}`,
        );
        const applicationIds = Array.from({ length: OBJECTS }, (_, i) => appIds.get(appOf(c, i)));
        const start = performance.now();
        const result = await pool?.query(
          `WITH s AS (
             INSERT INTO "SyncStatus" ("clusterId", "applicationId", "environmentId", "sourceKind",
               "namespace", "name", "syncState", "health", "syncedRevision", "attemptedRevision",
               "message", "observedAt", "receivedAt", "changedAt")
             SELECT $1::uuid, i.application_id, $2::uuid, 'argocd-application', 'argocd', i.name,
               $5::"SyncState", $6::"HealthState", $7, $7, $8, $4::timestamptz AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
             FROM unnest($3::text[], $9::uuid[]) AS i(name, application_id)
             RETURNING "id", "applicationId", "syncState", "health", "syncedRevision",
               "attemptedRevision", "message", "observedAt", "receivedAt"
           )
           INSERT INTO "SyncStatusChange" ("syncStatusId", "applicationId", "clusterId", "syncState",
             "health", "syncedRevision", "attemptedRevision", "message", "observedAt", "receivedAt")
           SELECT s."id", s."applicationId", $1::uuid, s."syncState", s."health", s."syncedRevision",
             s."attemptedRevision", s."message", s."observedAt", s."receivedAt" FROM s`,
          [
            row.id,
            row.environmentId,
            names,
            observedAt,
            state.syncState,
            state.health,
            state.syncedRevision,
            state.health === "Healthy" ? "successfully synced" : "waiting for rollout",
            applicationIds,
          ],
        );
        baselineTimes.push(performance.now() - start);
        if (result?.rowCount !== OBJECTS)
          throw new Error(`baseline wrote ${result?.rowCount} rows`);
      }
    }),
  );
  const baselineSeconds = (performance.now() - baselineStart) / 1000;
  const baselineRate = expected / baselineSeconds;
  const baselineStats = stats(baselineTimes);
  const ratio = ingestRate / baselineRate;

  // ---- 3. Apiserver → portal: a status patch until the portal's row shows it ----
  const binDir = execFileSync("bash", [path.join(root, "test/cluster/build.sh"), "--print-dir"], {
    encoding: "utf8",
  }).trim();
  let apiserverToPortal: ReturnType<typeof stats> & {
    patches: number;
    flushIntervalMs: number;
  } = { patches: 0, flushIntervalMs: 1_000, p50: Number.NaN, p95: Number.NaN, max: Number.NaN };
  if (
    fs.existsSync(path.join(binDir, "kube-apiserver")) &&
    fs.existsSync(path.join(binDir, "etcd"))
  ) {
    kube = await startCluster({ binDir });
    const k8s = new ClusterClient(kube.connection);
    await k8s.installCrds(crdFiles);
    const namespace = await k8s.createNamespace("bench");
    const environment = environments[0];
    const app = apps[0];
    if (!environment || !app) throw new Error("no environment or app for the agent");
    const clusterName = `agent-${environment.name}`;
    const clusterRow = await db.cluster.create({
      data: { name: clusterName, environmentId: environment.id },
      select: { id: true },
    });
    const { token } = await registerClusterToken({ db, cluster: clusterName });
    const agentObject = `${app}-${environment.name}`;
    await k8s.apply({
      apiVersion: apiVersionOf(argoApplication),
      kind: argoApplication.kind,
      metadata: { name: agentObject, namespace },
      spec: {
        project: "default",
        source: {
          repoURL: "https://git.example/gitops.git",
          path: `apps/${app}/envs/${environment.name}`,
          targetRevision: "main",
        },
        destination: { server: "https://kubernetes.default.svc", namespace: app },
      },
    });
    // The agent as `gantry agent` runs it (default flush interval and batching), with the
    // ServiceAccount bound only to deploy/agent's ClusterRole, reporting to the real endpoint.
    agent = startAgent({
      kubeConfig: await agentKubeConfig(k8s, namespace),
      send: createPortalClient({
        portal: base,
        cluster: clusterName,
        token,
        userAgent: "gantry-agent/bench",
        timeoutMs: 10_000,
      }),
      mode: "agent",
      version: "bench",
      logger: quietLogger,
    });
    await agent.ready;
    const rowRevision = async () =>
      (
        await pool?.query<{ syncedRevision: string | null }>(
          `SELECT "syncedRevision" FROM "SyncStatus" WHERE "clusterId" = $1::uuid AND "name" = $2`,
          [clusterRow.id, agentObject],
        )
      )?.rows[0]?.syncedRevision;
    const latencies: number[] = [];
    for (let n = 1; n <= PATCHES; n++) {
      const revision = (0xbe0000 + n).toString(16).padStart(40, "0");
      const even = n % 2 === 0;
      // Patches land at random points of the agent's flush cycle, as real changes do.
      await sleep(Math.random() * 1_000);
      const start = performance.now();
      await k8s.patchStatus({
        resource: argoApplication,
        namespace,
        name: agentObject,
        status: {
          sync: { status: even ? "Synced" : "OutOfSync", revision },
          health: { status: even ? "Healthy" : "Progressing" },
        },
      });
      const deadline = Date.now() + 30_000;
      while ((await rowRevision()) !== revision) {
        if (Date.now() > deadline) throw new Error(`patch ${n} did not reach the portal in 30 s`);
        await sleep(5);
      }
      latencies.push(performance.now() - start);
    }
    apiserverToPortal = { patches: latencies.length, flushIntervalMs: 1_000, ...stats(latencies) };
    log(`apiserver → portal: ${latencies.length} patches`);
  } else {
    log(`no kube-apiserver/etcd in ${binDir} (bash test/cluster/build.sh): part 3 skipped`);
  }

  const [counts] = await db.$queryRaw<{ statuses: number; changes: number }[]>`
    SELECT (SELECT count(*) FROM "SyncStatus")::int AS statuses,
           (SELECT count(*) FROM "SyncStatusChange")::int AS changes`;

  const report = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    applications: imported.appsSeen,
    clusters: CLUSTERS,
    objectsPerCluster: OBJECTS,
    rounds: ROUNDS,
    reportGzipBytes: reportBytes,
    ingest: {
      reports: reportTimes.length,
      statusChanges: changed,
      seconds: ingestSeconds,
      changesPerSecond: ingestRate,
      reportMs: reportStats,
    },
    baseline: {
      statements: baselineTimes.length,
      rows: expected,
      seconds: baselineSeconds,
      rowsPerSecond: baselineRate,
      statementMs: baselineStats,
    },
    ingestToBaselineRatio: ratio,
    rowsAfter: counts,
    apiserverToPortal,
  };
  writeResults("ingest", report);

  const ms = (n: number) => n.toFixed(1).padStart(8);
  const rate = (n: number) => Math.round(n).toLocaleString("en").padStart(10);
  console.log(
    `\nStatus ingest: ${CLUSTERS} clusters × ${OBJECTS} objects × ${ROUNDS} rounds, every object changing each round\n`,
  );
  console.log(
    "path                              batches    changes/s     p50 ms   p95 ms   max ms",
  );
  console.log(
    `${"HTTP ingest (gzip, 500 items)".padEnd(33)} ${String(reportTimes.length).padStart(8)} ${rate(ingestRate)}   ${ms(reportStats.p50)} ${ms(reportStats.p95)} ${ms(reportStats.max)}`,
  );
  console.log(
    `${"plain INSERT … unnest (pg)".padEnd(33)} ${String(baselineTimes.length).padStart(8)} ${rate(baselineRate)}   ${ms(baselineStats.p50)} ${ms(baselineStats.p95)} ${ms(baselineStats.max)}`,
  );
  console.log(
    `\ningest / baseline: ${ratio.toFixed(2)} (${changed.toLocaleString("en")} changes in ${ingestSeconds.toFixed(2)} s vs ${expected.toLocaleString("en")} rows in ${baselineSeconds.toFixed(2)} s)`,
  );
  console.log(
    `apiserver → portal (agent, flush every ${apiserverToPortal.flushIntervalMs} ms; ${apiserverToPortal.patches} status patches): p50 ${apiserverToPortal.p50.toFixed(0)} ms, p95 ${apiserverToPortal.p95.toFixed(0)} ms, max ${apiserverToPortal.max.toFixed(0)} ms`,
  );
  console.log(`report body: ${reportBytes.toLocaleString("en")} bytes gzip for ${OBJECTS} items`);
} finally {
  await agent?.stop();
  await kube?.stop();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await pool?.end();
  globalThis.gantryDb = undefined;
  for (const client of clients) await client.$disconnect();
  expectPostgresShutdown();
  await postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
