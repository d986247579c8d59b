/**
 * `npm run bench:promotion`: how fast promotions open their pull requests,
 * and what a fleet-wide release costs on GitHub.
 *
 * 1. Local provider: embedded Postgres, the 420-app demo repository, the
 *    catalogue import, and the real job runner (pg-boss, the workers
 *    `npm start` runs). N apps whose staging version differs from prod are
 *    promoted to prod one at a time (each request waits for its pull request,
 *    like a person clicking), then, once those pull requests are closed, the
 *    same N apps again all at once (a release train). Each promotion is
 *    timed from the request call until the commit of its `pr_open` (the
 *    portal's own change notification, heard on a connection of the
 *    benchmark's), and the statements Gantry's database
 *    clients send from the request until its job is done are counted.
 * 2. GitHub provider: the fake GitHub of test/github (every answer checked
 *    against GitHub's OpenAPI description) with 400 apps; one version is
 *    released to all 400 apps' prod, each promotion's PR job is run, and the
 *    provider's API calls are counted per app. Throttling is off and the write
 *    budget raised: this counts calls, it does not wait on GitHub's clock.
 *
 * Prints a table and writes bench/results/promotion.json. Figures are medians
 * and percentiles of one run on this machine; compare ratios.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { parseConfig } from "@/lib/config";
import { createDbClient, type Db, databaseStatementsSent } from "@/lib/db";
import { DemoFeed } from "@/lib/demo/demo-feed";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { ChangeListener } from "@/lib/events/change-listener";
import type { ChangeEvent } from "@/lib/events/changes";
import { createGitProvider } from "@/lib/git";
import { GitHubProvider } from "@/lib/git/github/github-provider";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { gitProcessesStarted } from "@/lib/git/local/git-cli";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { Person } from "@/lib/identity/principal";
import { sendingPromotionJobs } from "@/lib/jobs/queue";
import { runOpenPullRequestJob } from "@/lib/jobs/worker";
import { ensureDatabase } from "@/lib/postgres/database";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { closePromotion } from "@/lib/promotion/close-promotion";
import { promotionMergeMethod } from "@/lib/promotion/merge-method";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { type JobRunner, startJobRunner } from "@/lib/runtime/job-runner";
import { appFiles, CHART_YAML, ENVIRONMENTS_YAML } from "@/test/catalogue/gitops-fixture";
import { FakeGitHub } from "@/test/github/fake-github";
import { expectPostgresShutdown, log, makeDataDir, stats, writeResults } from "./support";

// The log threshold is read from the environment at each write: keep the workers' info lines out of the table.
process.env.GANTRY_LOG_LEVEL ||= "error";

const N = Number(process.env.BENCH_PROMOTIONS ?? 100);
const DEMO_APPS = Number(process.env.BENCH_DEMO_APPS ?? 420);
const GITHUB_APPS = Number(process.env.BENCH_GITHUB_APPS ?? 400);
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54391);
const POLL_MS = 10;
/** How often the watcher looks for promotions its notifications did not mention. */
const SWEEP_MS = 250;
/** The machine's 1-minute load average when the run started: other work sways every figure. */
const LOAD_AT_START = os.loadavg()[0];
/** An admin; its User row is made in each benchmark database (promotions reference who asked). */
const ACTOR: Person = {
  kind: "person",
  id: "bench-person",
  name: "Bench Person",
  email: "bench@example.com",
  roles: ["admin"],
  teams: [],
  approverEnvironments: [],
  breakGlass: false,
  gitLogin: null,
};
const LIMITS = { writesPerMinute: 80, contentCreatingPerHour: 500, requestsPerHour: 5_000 };

/**
 * Watches promotions reach `pr_open`: the portal's own change notifications
 * (`pg_notify` on the changes channel, delivered when the transaction that
 * recorded the state commits), heard through the portal's own listener
 * (lib/events/change-listener.ts) and timed when they arrive. A query every
 * SWEEP_MS catches anything a notification did not say (a promotion that
 * ended elsewhere, or notifications lost while the listener reconnected),
 * so no waiter waits for ever.
 */
class PrOpenWatcher {
  private readonly waiting = new Map<
    string,
    { resolve: (at: number) => void; reject: (error: Error) => void }
  >();
  /** pr_open notifications that came before their waiter (the job can beat the request's return). */
  private readonly early = new Map<string, number>();
  private running = true;
  /** Promotions whose pr_open no notification told, found by the sweep instead. */
  sweptPrOpen = 0;
  private readonly listener: ChangeListener;
  private readonly unsubscribe: Promise<() => void>;
  private readonly loop: Promise<void>;

  constructor(
    private readonly observer: pg.Pool,
    connectionString: string,
  ) {
    this.listener = new ChangeListener({ connectionString });
    this.unsubscribe = this.listener.subscribe({
      onChange: (event) => this.heard(event, performance.now()),
    });
    this.loop = this.sweep();
  }

  /** Resolves once LISTEN is in place: a promotion requested before it would go unheard. */
  async ready(): Promise<void> {
    await this.unsubscribe;
  }

  wait(promotionId: string): Promise<number> {
    const at = this.early.get(promotionId);
    if (at !== undefined) {
      this.early.delete(promotionId);
      return Promise.resolve(at);
    }
    return new Promise((resolve, reject) => this.waiting.set(promotionId, { resolve, reject }));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    (await this.unsubscribe)();
    await this.listener.close();
  }

  private heard(event: ChangeEvent, at: number): void {
    if (event.kind !== "promotion" || event.state !== "pr_open") return;
    const waiter = this.waiting.get(event.promotionId);
    if (!waiter) {
      this.early.set(event.promotionId, at);
      return;
    }
    this.waiting.delete(event.promotionId);
    waiter.resolve(at);
  }

  private async sweep(): Promise<void> {
    while (this.running) {
      if (this.waiting.size > 0) {
        const { rows } = await this.observer.query<{
          id: string;
          state: string;
          failureReason: string | null;
        }>(
          `SELECT id, state::text, "failureReason" FROM "Promotion"
           WHERE id = ANY($1::uuid[]) AND state <> 'planned'`,
          [[...this.waiting.keys()]],
        );
        const at = performance.now();
        for (const row of rows) {
          const waiter = this.waiting.get(row.id);
          if (!waiter) continue;
          this.waiting.delete(row.id);
          if (row.state === "pr_open") {
            // Timed at the sweep, up to SWEEP_MS late: counted, so a run can say so.
            this.sweptPrOpen++;
            waiter.resolve(at);
          } else
            waiter.reject(
              new Error(`promotion ${row.id} ended ${row.state}: ${row.failureReason ?? ""}`),
            );
        }
      }
      await sleep(SWEEP_MS);
    }
  }
}

function gitCount(gitDir: string, args: string[], options: { except?: string } = {}): number {
  const out = execFileSync("git", ["--git-dir", gitDir, ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 2 ** 20,
  });
  const { except } = options;
  return out.split("\n").filter((line) => line !== "" && !(except && line.startsWith(except)))
    .length;
}

const dataDir = makeDataDir("gantry-bench-promotion-");

let postgres: RunningPostgres | undefined;
let runner: JobRunner | undefined;
let watcher: PrOpenWatcher | undefined;
let observer: pg.Pool | undefined;
let fake: FakeGitHub | undefined;
const clients: Db[] = [];

async function createBenchPerson(db: Db): Promise<void> {
  await db.user.upsert({
    where: { id: ACTOR.id },
    create: { id: ACTOR.id, name: ACTOR.name, email: ACTOR.email, roles: ["admin"] },
    update: {},
  });
}

try {
  const started = performance.now();
  postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, disposable: true });
  await applyMigrations(postgres.url);
  const config = parseConfig({
    DATABASE_URL: postgres.url,
    GANTRY_DATA_DIR: dataDir,
    GANTRY_GIT_PROVIDER: "local",
    GANTRY_GITOPS_REPO: "gitops",
    GANTRY_GITOPS_BRANCH: "main",
    GANTRY_LOG_LEVEL: process.env.GANTRY_LOG_LEVEL,
  });
  const repo = await ensureLocalRepository({
    dataDir,
    repository: "gitops",
    branch: "main",
    seed: demoRepositorySeed({ apps: DEMO_APPS }),
  });
  const db = createDbClient(postgres.url);
  clients.push(db);
  await createBenchPerson(db);
  const git = createGitProvider(config, { db });
  const imported = await importCatalogue({
    db,
    git,
    versionPath: config.git.versionPath,
    trigger: "bench",
  });
  log(
    `local: ${imported.appsSeen} apps imported; set-up ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  // prod's policy wants the version healthy in staging: the demo clusters report once, as agents
  // would (the embedded feed only runs without DATABASE_URL, and this process runs no portal).
  if (!(git instanceof LocalGitProvider))
    throw new Error("the local benchmark needs the local provider");
  const feed = await DemoFeed.create({ db, git, settleAfterMs: 0 });
  await feed.tick();

  // ---- 1. Local provider: request → pr_open through the real job runner ----
  runner = await startJobRunner({ config, databaseUrl: postgres.url });
  const ctx: PromotionContext = {
    db,
    git,
    jobs: sendingPromotionJobs(postgres.url),
    versionPath: config.git.versionPath,
    publicUrl: config.publicUrl,
    mergeMethod: promotionMergeMethod(config),
  };
  const candidates = await db.$queryRaw<{ slug: string }[]>`
    SELECT a.slug FROM "Application" a
    JOIN "DeploymentTarget" s ON s."applicationId" = a.id
    JOIN "Environment" se ON se.id = s."environmentId" AND se.name = 'staging'
    JOIN "DeploymentTarget" p ON p."applicationId" = a.id
    JOIN "Environment" pe ON pe.id = p."environmentId" AND pe.name = 'prod'
    WHERE s."desiredVersion" IS DISTINCT FROM p."desiredVersion"
    ORDER BY a.slug`;
  if (candidates.length < 2) throw new Error("the demo fleet has no apps to promote to prod");
  // The release train promotes the same apps again after the first batch's pull requests are
  // closed (a new promotion needs no open one of the same version): both batches plan the same work.
  const perBatch = Math.min(N, candidates.length - 1);
  if (perBatch < N)
    log(`only ${candidates.length} apps have staging ≠ prod: ${perBatch} per batch`);
  const apps = candidates.slice(0, perBatch).map((c) => c.slug);
  const warmApp = candidates[perBatch]?.slug;

  const gitDir = repo.gitDir;
  const snapshot = async () => ({
    // The floor's branches are the benchmark's own, not a promotion's.
    branches: gitCount(gitDir, ["for-each-ref", "--format=%(refname)", "refs/heads"], {
      except: "refs/heads/bench/floor/",
    }),
    objects: gitCount(gitDir, [
      "rev-list",
      "--exclude=refs/heads/bench/floor/*",
      "--all",
      "--objects",
    ]),
    pullRequests: await db.localPullRequest.count(),
  });
  const createdSince = async (from: Awaited<ReturnType<typeof snapshot>>, promotions: number) => {
    const now = await snapshot();
    return {
      promotions,
      branches: now.branches - from.branches,
      gitObjects: now.objects - from.objects,
      pullRequests: now.pullRequests - from.pullRequests,
    };
  };
  // The benchmark watches on a pool of its own, outside Gantry's clients, so that Gantry's
  // statement count (databaseStatementsSent) holds only what a promotion costs.
  observer = new pg.Pool({ connectionString: postgres.url, max: 2 });
  const activeObserver = observer;
  watcher = new PrOpenWatcher(observer, postgres.url);
  const activeWatcher = watcher;
  await activeWatcher.ready();

  const jobDone = async (promotionId: string) => {
    for (;;) {
      const {
        rows: [job],
      } = await activeObserver.query<{ state: string }>(
        `SELECT state::text FROM pgboss.job
         WHERE name = 'promotion.open-pr' AND data->>'promotionId' = $1`,
        [promotionId],
      );
      if (job?.state === "completed") return;
      if (job?.state === "failed") throw new Error(`the job of promotion ${promotionId} failed`);
      await sleep(POLL_MS);
    }
  };

  const promote = async (application: string) => {
    const t0 = performance.now();
    const { promotion } = await requestPromotion({
      ctx,
      principal: ACTOR,
      application,
      environment: "prod",
      reason: "Benchmark: verified in staging",
    });
    const requested = performance.now();
    const opened = await activeWatcher.wait(promotion.id);
    return { id: promotion.id, requestMs: requested - t0, prOpenMs: opened - t0 };
  };

  // Warm-up outside the figures: one promotion, so first-use costs (connections, pg-boss's sender) are paid.
  if (warmApp) await promote(warmApp);

  // The floor, in the same run: the git work of one promotion and nothing else (a branch at
  // the base commit with one commit changing the values file, through the same write the
  // promotion's job makes), without the plan, the database or the queue. No promotion can open
  // its pull request faster than this. Each floor write runs right after a promotion, so both
  // meet the same load on a shared machine.
  const base = await git.resolveRef(git.defaultBranch);
  const floorOnce = async (index: number, app: string) => {
    const valuesPath = `apps/${app}/envs/prod/values.yaml`;
    const current = (await git.readFile({ ref: base, path: valuesPath })) ?? "";
    const t0 = performance.now();
    await git.writeChange({
      branch: `bench/floor/${index}`,
      createFrom: base,
      commit: {
        parent: base,
        message: "Floor",
        author: { name: ACTOR.name, email: ACTOR.email },
        files: [{ path: valuesPath, content: `${current}# floor\n` }],
      },
    });
    return performance.now() - t0;
  };

  log(`local: ${perBatch} promotions one after another, each followed by the git floor`);
  const sequential: { id: string; requestMs: number; prOpenMs: number }[] = [];
  const floorMs: number[] = [];
  let mark = await snapshot();
  let promotionProcesses = 0;
  let promotionStatements = 0;
  let sequentialWallMs = 0;
  for (const [index, app] of apps.entries()) {
    const processesBefore = gitProcessesStarted();
    const statementsBefore = databaseStatementsSent();
    const t0 = performance.now();
    const promoted = await promote(app);
    sequential.push(promoted);
    sequentialWallMs += performance.now() - t0;
    // The job goes on a little after pr_open (the policy status, the auto-merge check): the
    // floor is measured once it is done, so the two never share the machine.
    await jobDone(promoted.id);
    promotionProcesses += gitProcessesStarted() - processesBefore;
    promotionStatements += databaseStatementsSent() - statementsBefore;
    floorMs.push(await floorOnce(index, app));
  }
  const gitProcessesPerPromotion = promotionProcesses / apps.length;
  const databaseStatementsPerPromotion = promotionStatements / apps.length;
  const sequentialCreated = await createdSince(mark, sequential.length);

  log(`local: closing the first batch's ${sequential.length} pull requests (not timed)`);
  for (const { id } of sequential) {
    await closePromotion({
      ctx,
      promotionId: id,
      principal: ACTOR,
      reason: "Benchmark: next batch",
    });
  }

  // Agents report all the time: on a loaded machine the first batch can outlast the staleness
  // bound, and prod's policy would then refuse the train as "not reported recently".
  await feed.tick();
  log(`local: ${perBatch} promotions at once (release train)`);
  mark = await snapshot();
  const t = performance.now();
  const train = await Promise.all(apps.map(promote));
  const trainWallMs = performance.now() - t;
  const trainCreated = await createdSince(mark, train.length);

  // Merge → catalogue: dev merges by itself (no approvals, autoMerge), and the merge queues the
  // import instead of running it. Timed from the merge as recorded until the catalogue shows
  // the version, through the runner's import job, as a person reloading the page would see it.
  log("local: merge → catalogue");
  const mergeApp = apps[0] ?? "";
  const mergeVersion = "9.9.9-bench";
  const { promotion: toDev } = await requestPromotion({
    ctx,
    principal: ACTOR,
    application: mergeApp,
    environment: "dev",
    version: mergeVersion,
    reason: "Benchmark: merge to catalogue",
    allowNewVersion: true,
  });
  let mergedAt: Date | null = null;
  const mergeDeadline = Date.now() + 120_000;
  while (mergedAt === null && Date.now() < mergeDeadline) {
    const row = await db.promotion.findUniqueOrThrow({
      where: { id: toDev.id },
      select: { state: true, mergedAt: true, failureReason: true },
    });
    if (row.state === "failed") throw new Error(`the dev promotion failed: ${row.failureReason}`);
    mergedAt = row.mergedAt;
    if (mergedAt === null) await sleep(POLL_MS);
  }
  if (mergedAt === null) throw new Error("the dev promotion did not merge within 2 minutes");
  let shownAt: number | null = null;
  while (shownAt === null && Date.now() < mergeDeadline) {
    const target = await db.deploymentTarget.findFirst({
      where: { application: { slug: mergeApp }, environment: { name: "dev" } },
      select: { desiredVersion: true },
    });
    if (target?.desiredVersion === mergeVersion) shownAt = Date.now();
    else await sleep(POLL_MS);
  }
  if (shownAt === null) throw new Error("the catalogue did not show the merged version in time");
  const mergeToCatalogueMs = shownAt - mergedAt.getTime();

  const batch = (
    name: string,
    rows: { requestMs: number; prOpenMs: number }[],
    wallMs: number,
    created: Awaited<ReturnType<typeof createdSince>>,
  ) => ({
    batch: name,
    promotions: rows.length,
    wallSeconds: wallMs / 1000,
    promotionsPerSecond: rows.length / (wallMs / 1000),
    requestMs: stats(rows.map((r) => r.requestMs)),
    requestToPrOpenMs: stats(rows.map((r) => r.prOpenMs)),
    created,
  });
  const floor = stats(floorMs);
  const oneAtATime = stats(sequential.map((r) => r.prOpenMs));
  const local = {
    applications: DEMO_APPS,
    appsWithStagingAheadOfProd: candidates.length,
    mergeToCatalogueMs,
    gitProcessesPerPromotion,
    databaseStatementsPerPromotion,
    gitFloorMs: floor,
    /** request → pr_open (one at a time, p50) over the git floor (p50), measured in this run. */
    promotionToFloorRatio: oneAtATime.p50 / floor.p50,
    batches: [
      batch("one at a time", sequential, sequentialWallMs, sequentialCreated),
      batch("all at once", train, trainWallMs, trainCreated),
    ],
  };
  if (watcher.sweptPrOpen > 0) {
    log(
      `warning: ${watcher.sweptPrOpen} promotions were timed by the sweep, not their notification (up to ${SWEEP_MS} ms late)`,
    );
  }
  await watcher.stop();
  watcher = undefined;
  await observer.end();
  observer = undefined;
  await runner.stop();
  runner = undefined;

  // ---- 2. GitHub provider: API calls per app for one release to 400 apps' prod ----
  log(`github: seeding the fake GitHub with ${GITHUB_APPS} apps`);
  const token = `ghp_${randomBytes(16).toString("hex")}`;
  fake = await FakeGitHub.start({ owner: "acme", repo: "gitops", tokens: { [token]: "gantry" } });
  const RELEASE = "2.0.0";
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  const githubApps = Array.from({ length: GITHUB_APPS }, (_, i) => `svc-${i}`);
  for (const slug of githubApps) {
    Object.assign(
      files,
      appFiles(slug, `team-${slug.length % 7}`, { staging: RELEASE, prod: "1.9.0" }),
    );
  }
  fake.push({ files, message: "fleet" });
  const githubUrl = postgres.urlFor("gantry_github");
  await ensureDatabase(githubUrl);
  await applyMigrations(githubUrl);
  const githubDb = createDbClient(githubUrl);
  clients.push(githubDb);
  await createBenchPerson(githubDb);
  const github = new GitHubProvider({
    apiUrl: fake.apiUrl,
    webUrl: fake.webUrl,
    auth: { type: "token", token },
    owner: "acme",
    repository: "gitops",
    defaultBranch: "main",
    dataDir,
    // We count calls, not GitHub's clock: no pacing, and a budget no release reaches.
    throttling: false,
    writesPerMinute: 1_000_000,
    writesPerHour: 100_000_000,
    retryBaseMs: 50,
    throttleId: "bench",
  });
  const importStarted = performance.now();
  await importCatalogue({ db: githubDb, git: github, versionPath: "image.tag", trigger: "bench" });
  const importCalls = github.apiCallCounts();
  log(
    `github: import of ${GITHUB_APPS} apps took ${importCalls.total} calls, ${((performance.now() - importStarted) / 1000).toFixed(1)} s`,
  );
  const recorded: string[] = [];
  const githubCtx: PromotionContext = {
    db: githubDb,
    git: github,
    jobs: {
      async enqueueOpenPullRequest({ promotionId }) {
        recorded.push(promotionId);
      },
      async enqueueHostChange() {},
      async requestCatalogueImport() {},
    },
    versionPath: "image.tag",
    publicUrl: "https://gantry.example.com",
    mergeMethod: "squash",
  };
  const addCounts = (
    into: { total: number; writes: number; byOperation: Record<string, number> },
    from: { total: number; writes: number; byOperation: Record<string, number> },
  ) => {
    into.total += from.total;
    into.writes += from.writes;
    for (const [name, n] of Object.entries(from.byOperation)) {
      into.byOperation[name] = (into.byOperation[name] ?? 0) + n;
    }
  };
  const requestCalls = { total: 0, writes: 0, byOperation: {} as Record<string, number> };
  const jobCalls = { total: 0, writes: 0, byOperation: {} as Record<string, number> };
  const perAppTotals: number[] = [];
  const releaseStarted = performance.now();
  log(`github: releasing ${RELEASE} to ${GITHUB_APPS} apps' prod`);
  for (const slug of githubApps) {
    github.resetApiCallCounts();
    const { promotion } = await requestPromotion({
      ctx: githubCtx,
      principal: ACTOR,
      application: slug,
      environment: "prod",
      reason: `Release ${RELEASE} to the fleet`,
    });
    const requestCounts = github.apiCallCounts();
    addCounts(requestCalls, requestCounts);
    github.resetApiCallCounts();
    await runOpenPullRequestJob(githubCtx, {
      id: `bench-${promotion.id}`,
      data: { promotionId: promotion.id },
      retryCount: 0,
    });
    const jobCounts = github.apiCallCounts();
    addCounts(jobCalls, jobCounts);
    perAppTotals.push(requestCounts.total + jobCounts.total);
  }
  const releaseSeconds = (performance.now() - releaseStarted) / 1000;
  const open = await githubDb.promotion.count({ where: { state: "pr_open" } });
  const releaseTotal = requestCalls.total + jobCalls.total;
  const releaseWrites = requestCalls.writes + jobCalls.writes;
  const perApp = (n: number) => n / GITHUB_APPS;
  const hours = {
    writesAt80PerMinute: releaseWrites / LIMITS.writesPerMinute / 60,
    contentCreationAt500PerHour: releaseWrites / LIMITS.contentCreatingPerHour,
    requestsAt5000PerHour: releaseTotal / LIMITS.requestsPerHour,
  };
  const githubReport = {
    applications: GITHUB_APPS,
    version: RELEASE,
    throttling: "off, write budget raised: calls are counted, GitHub's pacing is not waited for",
    pullRequestsOpened: fake.pulls.length,
    promotionsPrOpen: open,
    schemaProblems: fake.problems.length,
    wallSeconds: releaseSeconds,
    importCalls: { total: importCalls.total, writes: importCalls.writes },
    release: {
      total: releaseTotal,
      reads: releaseTotal - releaseWrites,
      writes: releaseWrites,
    },
    perApp: {
      total: perApp(releaseTotal),
      reads: perApp(releaseTotal - releaseWrites),
      writes: perApp(releaseWrites),
      request: {
        total: perApp(requestCalls.total),
        reads: perApp(requestCalls.total - requestCalls.writes),
        writes: perApp(requestCalls.writes),
      },
      prJob: {
        total: perApp(jobCalls.total),
        reads: perApp(jobCalls.total - jobCalls.writes),
        writes: perApp(jobCalls.writes),
      },
      min: Math.min(...perAppTotals),
      max: Math.max(...perAppTotals),
    },
    byOperation: {
      request: requestCalls.byOperation,
      prJob: jobCalls.byOperation,
    },
    githubLimits: LIMITS,
    hoursForTheRelease: {
      ...hours,
      bound: Math.max(...Object.values(hours)),
    },
  };

  const report = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage1m: { atStart: LOAD_AT_START, atEnd: os.loadavg()[0] },
    },
    promotionToFloorRatio: local.promotionToFloorRatio,
    mergeToCatalogueMs,
    ...(DEMO_APPS === 10_000 ? { mergeToCatalogueMs10k: mergeToCatalogueMs } : {}),
    gitProcessesPerPromotion: local.gitProcessesPerPromotion,
    databaseStatementsPerPromotion: local.databaseStatementsPerPromotion,
    local,
    github: githubReport,
  };
  writeResults("promotion", report);

  const ms = (n: number) => n.toFixed(0).padStart(7);
  console.log(
    `\nPromotions on the local provider (${DEMO_APPS}-app demo fleet, real job runner on pg-boss)\n`,
  );
  console.log(
    "batch            n   wall s  prom/s  request p50  request→pr_open p50     p95     max",
  );
  for (const b of local.batches) {
    console.log(
      `${b.batch.padEnd(14)} ${String(b.promotions).padStart(4)} ${b.wallSeconds.toFixed(1).padStart(7)} ${b.promotionsPerSecond.toFixed(2).padStart(7)} ${ms(b.requestMs.p50)} ms ${" ".repeat(9)}${ms(b.requestToPrOpenMs.p50)} ${ms(b.requestToPrOpenMs.p95)} ${ms(b.requestToPrOpenMs.max)} ms`,
    );
  }
  for (const b of local.batches) {
    console.log(
      `${b.batch}: ${b.created.promotions} promotions made ${b.created.branches} branches, ${b.created.pullRequests} pull requests, ${b.created.gitObjects} new git objects`,
    );
  }
  console.log(
    `merge → catalogue at ${DEMO_APPS} apps: ${mergeToCatalogueMs} ms (the merge queues the import; the runner's job runs it)`,
  );
  console.log(
    `database statements per promotion (request → job done, Gantry's clients, the runner's other work included): ${local.databaseStatementsPerPromotion.toFixed(1)}`,
  );
  console.log(
    `git processes per promotion (request → pr_open): ${local.gitProcessesPerPromotion.toFixed(1)}; git floor p50 ${local.gitFloorMs.p50.toFixed(0)} ms; request→pr_open / floor: ${local.promotionToFloorRatio.toFixed(2)}×`,
  );
  const g = githubReport;
  console.log(
    `\nOne release (${RELEASE}) to ${GITHUB_APPS} apps' prod on the GitHub provider (fake GitHub, OpenAPI-checked)`,
  );
  console.log(`throttling ${g.throttling}\n`);
  console.log("API calls          total   reads  writes");
  const row = (name: string, c: { total: number; reads: number; writes: number }) =>
    console.log(
      `${name.padEnd(16)} ${c.total.toFixed(1).padStart(7)} ${c.reads.toFixed(1).padStart(7)} ${c.writes.toFixed(1).padStart(7)}`,
    );
  row("per app", g.perApp);
  row("  request (plan)", g.perApp.request);
  row("  PR job", g.perApp.prJob);
  row("whole release", g.release);
  console.log(
    `\n${g.pullRequestsOpened} pull requests opened, ${g.promotionsPrOpen} promotions pr_open, ${g.schemaProblems} schema problems; per app ${g.perApp.min}–${g.perApp.max} calls; ${g.wallSeconds.toFixed(1)} s unthrottled`,
  );
  console.log(`GitHub's limits for this release (hours):`);
  console.log(
    `  80 writes/min: ${hours.writesAt80PerMinute.toFixed(2)}   500 content-creating/h: ${hours.contentCreationAt500PerHour.toFixed(2)}   5,000 requests/h: ${hours.requestsAt5000PerHour.toFixed(2)}   → at least ${githubReport.hoursForTheRelease.bound.toFixed(1)} h`,
  );
  if (fake.problems.length > 0) {
    console.log(`schema problems:\n${fake.problems.slice(0, 5).join("\n")}`);
    process.exitCode = 1;
  }
} finally {
  await watcher?.stop().catch(() => undefined);
  await observer?.end().catch(() => undefined);
  await runner?.stop().catch((error: unknown) => log(`job runner: ${String(error)}`));
  for (const client of clients) await client.$disconnect().catch(() => undefined);
  await fake?.close().catch(() => undefined);
  expectPostgresShutdown();
  await postgres?.stop().catch((error: unknown) => log(`postgres: ${String(error)}`));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
