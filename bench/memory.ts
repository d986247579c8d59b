/**
 * `npm run bench:memory`: the portal's resident memory at 10,000 applications.
 *
 * Starts the portal exactly as `npm start` does (the same node flags, read from
 * package.json) on a throwaway data directory seeded with BENCH_APPS demo apps,
 * and samples the resident memory (VmRSS in /proc) of the server process and
 * every process under it except Postgres, which is the database's memory, not
 * the portal's. Phases:
 *
 *   start     from launch to the closing block: Postgres, the demo seed, the full
 *             catalogue import of a first start, Next.js
 *   idle      after the start, with nobody signed in (steady)
 *   readers   16 signed-in people reading catalogue pages at once (first page,
 *             a team filter, a search, a deep page, the JSON API)
 *   settled   idle again after the readers (steady: what the load left behind)
 *   restart   the portal stopped and started on the same data: Next.js serving
 *             while the import of the start runs
 *
 * At the end of idle and settled it also says what the server's memory is made
 * of: V8's heap (used and committed, from a diagnostic report the bench asks
 * for with SIGUSR2; `--report-on-signal` is the one flag it adds to the start
 * script's) and the server's mappings by kind (/proc/<pid>/smaps). BENCH_NODE_FLAGS
 * adds node flags for a manual look (`--trace-gc`: each collection on the log).
 *
 * Records rssSteadyMb10k (the larger of idle and settled) and rssHighWaterMb10k
 * (the largest sample during readers, start and restart) in
 * bench/results/memory.json, or the same figures with the app count in their
 * name at another size (rssSteadyMb50k at 50,000).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import {
  exitedWithin,
  log,
  makeDataDir,
  startArguments,
  startEnvironment,
  writeResults,
} from "./support";

const root = path.resolve(import.meta.dirname, "..");
const APPS = Number(process.env.BENCH_APPS ?? 10_000);
const PORT = Number(process.env.BENCH_PORT ?? 3293);
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54392);
const READERS = Number(process.env.BENCH_READERS ?? 16);
const READ_SECONDS = Number(process.env.BENCH_READ_SECONDS ?? 60);
// Long enough for V8's memory reducer, which shrinks the heap once allocation stops.
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 45);
const dataDir = makeDataDir("gantry-bench-memory-");
const base = `http://127.0.0.1:${PORT}`;
const ADMIN_EMAIL = "bench-admin@example.com";
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString("base64url")}`;
const MiB = 2 ** 20;
const reportsDir = path.join(dataDir, "reports");
fs.mkdirSync(reportsDir);
/** What the bench adds to the start script's node flags: a diagnostic report on SIGUSR2. */
const benchFlags = [
  "--report-on-signal",
  "--report-signal=SIGUSR2",
  `--report-directory=${reportsDir}`,
  "--report-compact",
  ...(process.env.BENCH_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean),
];

/** Resident memory of a process and everything under it, Postgres excluded, by process name. */
function residentBytes(pid: number): { total: number; byName: Record<string, number> } {
  const tree = (p: number): number[] => {
    try {
      const children = fs.readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim();
      return [p, ...children.split(/\s+/).filter(Boolean).map(Number).flatMap(tree)];
    } catch {
      return [p];
    }
  };
  const byName: Record<string, number> = {};
  let total = 0;
  for (const p of tree(pid)) {
    try {
      const status = fs.readFileSync(`/proc/${p}/status`, "utf8");
      const command = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? "?";
      if (command.startsWith("postgres")) continue;
      // Node names its main thread "MainThread": the server is the root, the rest its children.
      const name = p === pid ? "server" : command === "MainThread" ? "node child" : command;
      const bytes = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      byName[name] = (byName[name] ?? 0) + bytes;
      total += bytes;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return { total, byName };
}

const mb = (bytes: number) => Math.round(bytes / MiB);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The server's resident memory by kind of mapping: V8 allocates its heap in
 * small anonymous pages (under 1 MiB each), glibc's main arena is [heap],
 * large anonymous mappings are glibc's other arena, big malloc blocks, V8's
 * code space and WebAssembly memories; files are node's binary and libraries.
 */
function residentByMapping(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  let kind = "anonymous";
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const size = Number.parseInt(mapping[2] ?? "0", 16) - Number.parseInt(mapping[1] ?? "0", 16);
      const name = (mapping[3] ?? "").trim();
      kind = name.startsWith("/")
        ? "files"
        : name === "[heap]"
          ? "malloc main arena"
          : name !== ""
            ? "other"
            : size < MiB
              ? "anonymous < 1 MiB (V8 heap pages)"
              : "anonymous >= 1 MiB";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) kinds[kind] = (kinds[kind] ?? 0) + Number(rss[1]) * 1024;
  }
  return Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, mb(v)]));
}

const reportSchema = z.object({
  javascriptHeap: z.object({
    usedMemory: z.number(),
    totalCommittedMemory: z.number(),
    externalMemory: z.number(),
    mallocedMemory: z.number(),
  }),
});

/** V8's heap as the server sees it: a diagnostic report, asked for with SIGUSR2. */
async function heapOf(pid: number) {
  const before = new Set(fs.readdirSync(reportsDir));
  process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    await sleep(250);
    const file = fs.readdirSync(reportsDir).find((name) => !before.has(name));
    if (file === undefined) continue;
    try {
      const heap = reportSchema.parse(
        JSON.parse(fs.readFileSync(path.join(reportsDir, file), "utf8")),
      ).javascriptHeap;
      return {
        heapUsedMb: mb(heap.usedMemory),
        heapCommittedMb: mb(heap.totalCommittedMemory),
        externalMb: mb(heap.externalMemory),
        v8MallocedMb: mb(heap.mallocedMemory),
      };
    } catch {
      // Still being written.
    }
  }
  throw new Error("the server wrote no diagnostic report within 20 s");
}

/** What the server process's memory is made of, now. */
async function serverMemory(pid: number) {
  return { ...(await heapOf(pid)), byMappingMb: residentByMapping(pid) };
}

/** Samples the tree's memory every 250 ms until stopped; keeps the largest and the last sample. */
function sampler(pid: number) {
  let peak = 0;
  let last = 0;
  let peakByName: Record<string, number> = {};
  const timer = setInterval(() => {
    const { total, byName } = residentBytes(pid);
    last = total;
    if (total > peak) {
      peak = total;
      peakByName = byName;
    }
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      return {
        peakMb: mb(peak),
        lastMb: mb(last),
        peakByNameMb: Object.fromEntries(Object.entries(peakByName).map(([k, v]) => [k, mb(v)])),
      };
    },
  };
}

interface Portal {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Signals a process group; one that has ended already is no error. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function startPortal(): Portal {
  const child = spawn(
    path.join(root, "node_modules", ".bin", "node"),
    [...benchFlags, ...startArguments()],
    {
      cwd: root,
      env: {
        ...process.env,
        ...startEnvironment(),
        DATABASE_URL: "",
        PORT: String(PORT),
        GANTRY_HOST: "127.0.0.1",
        GANTRY_DATA_DIR: dataDir,
        GANTRY_EMBEDDED_POSTGRES_PORT: String(PG_PORT),
        GANTRY_DEMO_APPS: String(APPS),
        GANTRY_LOG_LEVEL: "warn",
        GANTRY_ADMIN_EMAIL: ADMIN_EMAIL,
        GANTRY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    for (const line of chunk.toString().split("\n")) if (line.trim()) log(`server: ${line}`);
  });
  return {
    child,
    output: () => output,
    async stop() {
      const ended = () => child.exitCode !== null || child.signalCode !== null;
      if (ended() || !child.pid) return;
      const exited = exitedWithin(child, 60_000);
      signalGroup(child.pid, "SIGTERM");
      if (!(await exited)) signalGroup(child.pid, "SIGKILL");
    },
  };
}

/** Until the closing block ("Gantry is up in …"): the import, Next.js and the job runner are all there. */
async function waitUntilUp(portal: Portal): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  while (Date.now() < deadline) {
    if (portal.child.exitCode !== null) {
      throw new Error(`the portal exited with ${portal.child.exitCode}`);
    }
    if (portal.output().includes("Gantry is up in")) return;
    await sleep(250);
  }
  throw new Error("the portal did not come up within 30 minutes");
}

async function idle(pid: number) {
  const s = sampler(pid);
  await sleep(IDLE_SECONDS * 1000);
  const figures = s.stop();
  return { ...figures, server: await serverMemory(pid) };
}

async function signIn(): Promise<string> {
  const response = await fetch(`${base}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (!response.ok) throw new Error(`sign-in answered ${response.status}`);
  const cookies = response.headers.getSetCookie().map((c) => c.split(";")[0]);
  if (cookies.length === 0) throw new Error("sign-in set no session cookie");
  return cookies.join("; ");
}

/** READERS people reading catalogue pages one after another for READ_SECONDS. */
async function readers(pid: number) {
  const cookie = await signIn();
  const get = async (url: string) => {
    const response = await fetch(`${base}${url}`, { headers: { cookie }, redirect: "manual" });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  };
  const deepPage = Math.max(1, Math.floor((APPS / 50) * 0.95));
  const pages = [
    "/apps",
    "/apps?team=payments",
    "/apps?q=api",
    `/apps?page=${deepPage}`,
    "/api/v1/apps?size=100",
  ];
  const s = sampler(pid);
  const until = Date.now() + READ_SECONDS * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: READERS }, async (_, reader) => {
      for (let i = reader; Date.now() < until; i++) {
        await get(pages[i % pages.length] ?? "/apps");
        requests++;
      }
    }),
  );
  return { ...s.stop(), readers: READERS, requests };
}

const runs: Portal[] = [];
try {
  const first = startPortal();
  runs.push(first);
  if (!first.child.pid) throw new Error("the portal did not start");
  const startSampler = sampler(first.child.pid);
  await waitUntilUp(first);
  const start = startSampler.stop();
  const imported = /catalogue imported: (\d+) applications/.exec(first.output())?.[1];
  log(`up with ${imported ?? "?"} applications; start peak ${start.peakMb} MiB`);
  const idleAfterStart = await idle(first.child.pid);
  log(`idle: ${idleAfterStart.lastMb} MiB`);
  const underReaders = await readers(first.child.pid);
  log(`${READERS} readers: peak ${underReaders.peakMb} MiB (${underReaders.requests} requests)`);
  const settled = await idle(first.child.pid);
  log(`settled: ${settled.lastMb} MiB`);
  await first.stop();

  const second = startPortal();
  runs.push(second);
  if (!second.child.pid) throw new Error("the portal did not restart");
  const restartSampler = sampler(second.child.pid);
  await waitUntilUp(second);
  const restart = restartSampler.stop();
  log(`restart: peak ${restart.peakMb} MiB`);
  await second.stop();

  const size = APPS % 1000 === 0 ? `${APPS / 1000}k` : String(APPS);
  const steady = Math.max(idleAfterStart.lastMb, settled.lastMb);
  const highWater = Math.max(start.peakMb, underReaders.peakMb, restart.peakMb);
  const report = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: execFileSync(path.join(root, "node_modules", ".bin", "node"), ["--version"])
        .toString()
        .trim(),
      loadAverage1m: os.loadavg()[0],
    },
    applications: Number(imported ?? APPS),
    nodeArguments: startArguments(),
    environment: startEnvironment(),
    [`rssSteadyMb${size}`]: steady,
    [`rssIdleAfterStartMb${size}`]: idleAfterStart.lastMb,
    [`rssHighWaterMb${size}`]: highWater,
    phases: { start, idle: idleAfterStart, readers: underReaders, settled, restart },
    targets: { rssSteadyMb10k: 400, rssHighWaterMb10k: 600 },
  };
  // The 10,000-app baseline is memory.json; another size never overwrites it (memory-50k.json).
  const file = writeResults(APPS === 10_000 ? "memory" : `memory-${size}`, report);
  console.log(
    `\nServer memory at ${APPS.toLocaleString("en")} applications (RSS of the server process tree, Postgres excluded, MiB)\n`,
  );
  for (const [phase, figures] of Object.entries(report.phases)) {
    console.log(
      `${phase.padEnd(8)} peak ${String(figures.peakMb).padStart(5)}  last ${String(figures.lastMb).padStart(5)}`,
    );
  }
  for (const [phase, figures] of [
    ["idle", idleAfterStart],
    ["settled", settled],
  ] as const) {
    const { byMappingMb, ...heap } = figures.server;
    console.log(
      `server at the end of ${phase}: ${JSON.stringify(heap)} ${JSON.stringify(byMappingMb)}`,
    );
  }
  console.log(`\nsteady ${steady} MiB (goal < 400), high-water ${highWater} MiB (goal < 600)`);
  console.log(`written to ${file}`);
} finally {
  for (const portal of runs) await portal.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
