/**
 * `npx tsx bench/import-incremental.ts`: what a merge costs the catalogue
 * at organisation scale. On the demo repository (BENCH_INCREMENTAL_APPS
 * apps, default 10,000, × 4 environments) and one embedded Postgres, in one
 * run:
 *
 * 1. a full import (`gantry import --full`: every file read and parsed);
 * 2. a restart on the same head: a fresh process's import, which should
 *    find the head imported already and do nothing;
 * 3. an incremental import after a one-file change (a values file edited
 *    on the default branch), through a fresh reader as after a restart:
 *    what it starts from is in Postgres;
 * 4. merge → catalogue, BENCH_MERGES times: a pull request changing one
 *    values file is merged on the local provider, the import is queued as a
 *    merge queues it, and the real job runner's worker imports; timed from
 *    the merge's return until the catalogue shows the new version.
 *
 * Besides times (which the machine's load moves), it counts what the full
 * and the incremental import each did, which load does not move: git
 * processes started and files read.
 *
 * Writes bench/results/import-incremental.json, with mergeToCatalogueMs10k
 * (the median) when run at 10,000 apps.
 */
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { parseConfig } from "@/lib/config";
import { createDbClient } from "@/lib/db";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { createGitProvider } from "@/lib/git";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { gitProcessesStarted } from "@/lib/git/local/git-cli";
import type { GitProvider, GitReader } from "@/lib/git/provider";
import { setVersion } from "@/lib/gitops-repo/version";
import { sendingPromotionJobs, stopSendingQueue } from "@/lib/jobs/queue";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { queueImportAfterMerge } from "@/lib/promotion/reimport-catalogue";
import { type JobRunner, startJobRunner } from "@/lib/runtime/job-runner";
import { expectPostgresShutdown, log, makeDataDir, stats, writeResults } from "./support";

process.env.GANTRY_LOG_LEVEL ||= "error";

const APPS = Number(process.env.BENCH_INCREMENTAL_APPS ?? 10_000);
const MERGES = Number(process.env.BENCH_MERGES ?? 5);
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54393);
const POLL_MS = 10;
const AUTHOR = { name: "Bench Person", email: "bench@example.com" };

const ms = (since: number) => Math.round(performance.now() - since);

/** A values file of the fleet (the nth app's first environment's) and its version set to `version`. */
async function editedValues(git: GitProvider, ref: string, n: number, version: string) {
  const apps = await git.listTree({ ref, path: "apps" });
  const app = apps.filter((entry) => entry.type === "directory")[n];
  if (!app) throw new Error(`the repository has fewer than ${n + 1} apps`);
  const [environment] = await git.listTree({ ref, path: `${app.path}/envs` });
  if (!environment) throw new Error(`${app.path} has no environments`);
  const path = `${environment.path}/values.yaml`;
  const text = await git.readFile({ ref, path });
  if (text === null) throw new Error(`${path} does not exist`);
  const edited = setVersion(text, "image.tag", version, path);
  if (!edited.ok) throw new Error(edited.error.message);
  return {
    slug: app.path.split("/")[1] ?? "",
    environment: environment.path.split("/")[3] ?? "",
    path,
    content: edited.text,
  };
}

/** The reader, counting the files read through it (by path or by blob id). */
function countingReads(git: GitReader): { git: GitReader; files: () => number } {
  let files = 0;
  const counted: GitReader = Object.create(git);
  counted.readFiles = (p) => {
    files += p.paths.length;
    return git.readFiles(p);
  };
  counted.readFile = (p) => {
    files += 1;
    return git.readFile(p);
  };
  if (git.readBlobs) {
    const readBlobs = git.readBlobs.bind(git);
    counted.readBlobs = (ids) => {
      files += ids.length;
      return readBlobs(ids);
    };
  }
  return { git: counted, files: () => files };
}

/**
 * One import, timed, with the git processes it started, the files it read,
 * and this process's peak RSS while it ran (sampled every 50 ms; the
 * import runs in a process of its own at start, as it runs here).
 */
async function measured(
  run: (git: GitReader) => ReturnType<typeof importCatalogue>,
  git: GitReader,
) {
  const counting = countingReads(git);
  const processes = gitProcessesStarted();
  let rssPeak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 50);
  const t = performance.now();
  try {
    const result = await run(counting.git);
    return {
      result,
      ms: ms(t),
      gitProcesses: gitProcessesStarted() - processes,
      filesRead: counting.files(),
      rssPeakMb: Math.round(Math.max(rssPeak, process.memoryUsage.rss()) / 2 ** 20),
    };
  } finally {
    clearInterval(sampler);
  }
}

const dataDir = makeDataDir("gantry-bench-incremental-");
let postgres: RunningPostgres | undefined;
let runner: JobRunner | undefined;
const db = { client: undefined as ReturnType<typeof createDbClient> | undefined };
try {
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
  let t = performance.now();
  await ensureLocalRepository({
    dataDir,
    repository: "gitops",
    branch: "main",
    seed: demoRepositorySeed({ apps: APPS }),
  });
  log(`${APPS} demo apps laid out in ${ms(t)} ms`);
  const client = createDbClient(postgres.url);
  db.client = client;
  const git = createGitProvider(config, { db: client });
  // The settings the job runner imports with: an import with others would reuse nothing.
  const base = {
    db: client,
    git,
    versionPath: config.git.versionPath,
    layoutFile: config.git.layoutFile,
  };

  // What the demo repository's generation left behind is given back before the import is measured.
  global.gc?.();
  const rssBeforeFullMb = Math.round(process.memoryUsage.rss() / 2 ** 20);
  const full = await measured(
    (reader) => importCatalogue({ ...base, git: reader, trigger: "bench", full: true }),
    git,
  );
  log(
    `full import: ${full.result.appsSeen} apps, ${full.ms} ms, ${full.gitProcesses} git processes, ${full.filesRead} files read, RSS ${rssBeforeFullMb} → peak ${full.rssPeakMb} MiB`,
  );

  t = performance.now();
  const restart = await importCatalogue({
    ...base,
    git: createGitProvider(config, { db: client }),
    trigger: "start",
  });
  const restartUnchangedHeadMs = ms(t);
  if (restart.mode !== "unchanged") throw new Error(`a restart imported again (${restart.mode})`);
  log(`restart, same head: ${restartUnchangedHeadMs} ms`);

  const head = await git.resolveRef("main");
  const oneFile = await editedValues(git, head, 0, "7.7.7-bench");
  await git.commitFiles({
    branch: "main",
    parent: head,
    message: "Bench: one values file",
    author: AUTHOR,
    files: [{ path: oneFile.path, content: oneFile.content }],
  });
  // A fresh reader, as in a restarted process: what the import starts from is in Postgres.
  const incremental = await measured(
    (reader) => importCatalogue({ ...base, git: reader, trigger: "bench" }),
    createGitProvider(config, { db: client }),
  );
  if (incremental.result.mode !== "incremental") {
    throw new Error(`the import after one file was ${incremental.result.mode}`);
  }
  log(
    `incremental import after a one-file change: ${incremental.ms} ms, ${incremental.gitProcesses} git processes, ${incremental.filesRead} files read`,
  );

  runner = await startJobRunner({ config, databaseUrl: postgres.url });
  const jobs = sendingPromotionJobs(postgres.url);
  const mergeToCatalogue: number[] = [];
  for (let i = 0; i < MERGES; i++) {
    const from = await git.resolveRef("main");
    const version = `8.${i}.0-bench`;
    const edit = await editedValues(git, from, 1 + (i % Math.max(1, APPS - 1)), version);
    const branch = `bench/merge-${i}`;
    await git.createBranch({ name: branch, from });
    const commit = await git.commitFiles({
      branch,
      parent: from,
      message: `Bench: ${edit.slug} to ${version}`,
      author: AUTHOR,
      files: [{ path: edit.path, content: edit.content }],
    });
    const pr = await git.openPullRequest({
      head: branch,
      base: "main",
      title: `Bench ${i}`,
      body: "",
      labels: [],
      author: AUTHOR,
    });
    await git.mergePullRequest({
      number: pr.number,
      expectedHeadSha: commit,
      method: "merge",
      message: `Merge bench ${i}`,
      mergedBy: AUTHOR,
    });
    const mergedAt = performance.now();
    const queued = await queueImportAfterMerge({ ctx: { jobs }, reason: `bench merge ${i}` });
    if (!queued.queued) throw new Error(queued.error);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const target = await client.deploymentTarget.findFirst({
        where: { application: { slug: edit.slug }, environment: { name: edit.environment } },
        select: { desiredVersion: true },
      });
      if (target?.desiredVersion === version) break;
      if (Date.now() > deadline) throw new Error("the catalogue did not show the merge in 2 min");
      await sleep(POLL_MS);
    }
    mergeToCatalogue.push(performance.now() - mergedAt);
  }
  const modes = await client.catalogImport.groupBy({ by: ["mode"], _count: true });
  const merge = stats(mergeToCatalogue);
  const report = {
    /** The machine's load while this ran (other work on the same cores slows every figure alike). */
    loadAverage: os.loadavg().map((load) => Math.round(load * 10) / 10),
    cpus: os.cpus().length,
    applications: APPS,
    filesInRepository: (await git.listTree({ ref: "main", recursive: true })).filter(
      (e) => e.type === "file",
    ).length,
    fullImportMs: full.ms,
    restartUnchangedHeadMs,
    incrementalOneFileMs: incremental.ms,
    /** The full import's time over the incremental one's: what a merge no longer costs. */
    fullToIncrementalRatio: full.ms / Math.max(1, incremental.ms),
    /** What each import did, which the machine's load does not change. */
    work: {
      full: {
        gitProcesses: full.gitProcesses,
        filesRead: full.filesRead,
        /** This process's RSS before the full import and at its peak during it. */
        rssBeforeMb: rssBeforeFullMb,
        rssPeakMb: full.rssPeakMb,
      },
      incrementalOneFile: {
        gitProcesses: incremental.gitProcesses,
        filesRead: incremental.filesRead,
        appsWritten: incremental.result.appsCreated + incremental.result.appsUpdated,
      },
    },
    merges: MERGES,
    mergeToCatalogueMs: merge,
    ...(APPS === 10_000 ? { mergeToCatalogueMs10k: Math.round(merge.p50) } : {}),
    importModes: Object.fromEntries(modes.map((row) => [row.mode, row._count])),
  };
  const file = writeResults("import-incremental", report);
  console.log(JSON.stringify(report, null, 2));
  log(`results in ${file}`);
} finally {
  await runner?.stop().catch((error: unknown) => log(`job runner: ${String(error)}`));
  await stopSendingQueue().catch(() => undefined);
  await db.client?.$disconnect().catch(() => undefined);
  expectPostgresShutdown();
  await postgres?.stop().catch((error: unknown) => log(`postgres: ${String(error)}`));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
