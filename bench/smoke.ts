/**
 * `npm run bench:smoke`: every benchmark in bench/ at a small size, one after
 * another, so a benchmark that no longer runs is found the day it breaks and
 * not the day someone needs its figures. CI runs it after the tests.
 *
 * It fails when a benchmark exits with an error, hangs (runs past a
 * generous limit of its own), or writes no results; never on the figures
 * themselves or on how long it took (a small run on a busy machine says
 * nothing about speed; it takes about two minutes on an idle 2-core machine
 * and says so when it took longer than three). Results go to a directory of their own
 * (bench/results/smoke/, not committed): the committed files in bench/results/
 * are full-size runs.
 *
 * A new benchmark must be given its small size here, or the smoke run fails
 * and says so. The production build the catalogue benchmark serves is made
 * first when the sources changed (CI has just made it), outside the budget.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

const root = path.resolve(import.meta.dirname, "..");
const resultsDir = path.join(root, "bench", "results", "smoke");
/** What a smoke run should take on an idle machine; longer is reported, not failed. */
const BUDGET_SECONDS = 180;

interface SmokeRun {
  /** bench/<name>.ts, writing <name>.json */
  name: string;
  env: Record<string, string>;
  timeoutSeconds: number;
}

const FIRST_ANSWER_DATA_DIR = path.join(os.tmpdir(), `gantry-smoke-first-answer-${process.pid}`);

// Ports of their own, away from the full-size defaults and from the test suites' ranges. The
// time limits only catch a hang: they are several times what each takes on a busy machine.
const RUNS: readonly SmokeRun[] = [
  {
    name: "catalogue",
    env: {
      BENCH_APPS: "300",
      BENCH_REQUESTS_C1: "10",
      BENCH_REQUESTS_C16: "32",
      BENCH_BROWSER_LOADS: "2",
      // At this size the demo history keeps the portal busy for a minute or more; smoke only checks the bench runs.
      BENCH_QUIET_MAX_SECONDS: "15",
      BENCH_PORT: "3391",
      BENCH_POSTGRES_PORT: "54481",
    },
    timeoutSeconds: 600,
  },
  {
    name: "promotion",
    env: { BENCH_PROMOTIONS: "4", BENCH_GITHUB_APPS: "6", BENCH_POSTGRES_PORT: "54482" },
    timeoutSeconds: 300,
  },
  {
    name: "ingest",
    env: {
      BENCH_CLUSTERS: "2",
      BENCH_OBJECTS: "20",
      BENCH_ROUNDS: "2",
      BENCH_PATCHES: "2",
      BENCH_POSTGRES_PORT: "54483",
    },
    timeoutSeconds: 300,
  },
  {
    name: "audit",
    env: {
      BENCH_EVENTS: "5000",
      BENCH_RUNS: "1",
      BENCH_QUERIES: "3",
      BENCH_APPENDS: "20",
      BENCH_POSTGRES_PORT: "54484",
    },
    timeoutSeconds: 300,
  },
  {
    name: "github",
    env: { BENCH_SMALL: "1", BENCH_POSTGRES_PORT: "54497" },
    timeoutSeconds: 300,
  },
  {
    name: "train",
    env: { BENCH_TRAIN_APPS: "20", BENCH_POSTGRES_PORT: "54488" },
    timeoutSeconds: 300,
  },
  {
    name: "import",
    env: { BENCH_IMPORT_APPS: "200", BENCH_IMPORT_RUNS: "1", BENCH_POSTGRES_PORT: "54486" },
    timeoutSeconds: 300,
  },
  {
    name: "memory",
    env: {
      BENCH_APPS: "200",
      BENCH_READERS: "4",
      BENCH_READ_SECONDS: "5",
      BENCH_IDLE_SECONDS: "2",
      BENCH_PORT: "3395",
      BENCH_POSTGRES_PORT: "54493",
    },
    timeoutSeconds: 600,
  },
  {
    name: "import-incremental",
    env: { BENCH_INCREMENTAL_APPS: "200", BENCH_MERGES: "2", BENCH_POSTGRES_PORT: "54487" },
    timeoutSeconds: 300,
  },
  {
    name: "first-answer",
    // A first start on a data directory of its own (Postgres, migrations, demo seed), then a later one.
    env: {
      BENCH_TIMES: "2",
      PORT: "3392",
      GANTRY_EMBEDDED_POSTGRES_PORT: "54485",
      GANTRY_DATA_DIR: FIRST_ANSWER_DATA_DIR,
      GANTRY_DEMO_APPS: "40",
    },
    timeoutSeconds: 600,
  },
];

function benchmarksOnDisk(): string[] {
  return fs
    .readdirSync(path.join(root, "bench"))
    .filter((file) => file.endsWith(".ts") && !["support.ts", "smoke.ts"].includes(file))
    .map((file) => file.slice(0, -".ts".length))
    .sort();
}

/** Signals a process group; one that has ended already is no error. */
function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function run(
  script: string,
  env: Record<string, string>,
  timeoutSeconds: number,
): Promise<{ code: number; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, "node_modules", ".bin", "tsx"), [script], {
      cwd: root,
      env: { ...process.env, ...env, BENCH_RESULTS_DIR: resultsDir },
      stdio: ["ignore", "inherit", "inherit"],
      // Its own process group: a timeout stops the benchmark and everything it started.
      detached: true,
    });
    let timedOut = false;
    // A hang is stopped politely first (benchmarks stop what they started), then for good.
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid, "SIGTERM");
      killer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), 45_000);
    }, timeoutSeconds * 1000);
    child.on("error", () => resolve({ code: 1, timedOut }));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ code: code ?? (signal ? 1 : 0), timedOut });
    });
  });
}

const failures: string[] = [];
const known = new Set(RUNS.map((r) => r.name));
for (const name of benchmarksOnDisk()) {
  if (!known.has(name)) failures.push(`bench/${name}.ts has no small size in bench/smoke.ts`);
}

const build = await run(path.join("scripts", "build.ts"), {}, 15 * 60);
if (build.code !== 0) failures.push("the production build failed");

fs.rmSync(resultsDir, { recursive: true, force: true });
fs.mkdirSync(resultsDir, { recursive: true });
const started = performance.now();
const lines: string[] = [];
for (const smoke of RUNS) {
  const t0 = performance.now();
  process.stderr.write(`\n==== bench:smoke ${smoke.name}\n`);
  const { code, timedOut } = await run(
    path.join("bench", `${smoke.name}.ts`),
    smoke.env,
    smoke.timeoutSeconds,
  );
  const seconds = (performance.now() - t0) / 1000;
  const wrote = fs
    .readdirSync(resultsDir)
    .some((file) => file === `${smoke.name}.json` || file.startsWith(`${smoke.name}-`));
  let outcome = "ok";
  if (timedOut) outcome = `ran past ${smoke.timeoutSeconds} s`;
  else if (code !== 0) outcome = `exited with ${code}`;
  else if (!wrote) outcome = `wrote no ${smoke.name}.json`;
  if (outcome !== "ok") failures.push(`bench/${smoke.name}.ts ${outcome}`);
  lines.push(`${smoke.name.padEnd(10)} ${seconds.toFixed(1).padStart(6)} s  ${outcome}`);
}
const total = (performance.now() - started) / 1000;
// The first-start benchmark's portal has stopped (with its Postgres); its data goes too.
fs.rmSync(FIRST_ANSWER_DATA_DIR, { recursive: true, force: true });

console.log(
  `\nbench:smoke (${total.toFixed(1)} s; results in ${path.relative(root, resultsDir)}/)`,
);
if (total > BUDGET_SECONDS) {
  console.log(`  (more than the ${BUDGET_SECONDS} s it takes on an idle machine: a busy one?)`);
}
for (const line of lines) console.log(`  ${line}`);
if (failures.length > 0) {
  console.log(`\n${failures.length} problem(s):`);
  for (const failure of failures) console.log(`  ✘ ${failure}`);
  process.exitCode = 1;
}
