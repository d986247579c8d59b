/**
 * `npm start`: brings the whole portal up on one machine.
 *
 *   in parallel:  production build (only when its inputs changed; no type-check or lint)
 *                 Postgres (DATABASE_URL, or embedded under .gantry/) → migrations → first admin
 *                 GitOps repository (local provider: created and seeded with the demo fleet
 *                 on first start)
 *   then          catalogue import, beside Next.js getting ready → serving → job runner
 *                 (pg-boss; started last so its demo history does not slow the build down)
 *                 → the URL and the sign-in, framed, on stdout.
 *
 * Each step prints a line with the time since start; Next's build output goes
 * to <data dir>/build.log (its tail is shown when the build fails).
 *
 * Flags: --dev (Next.js dev server with hot reload), --fresh (start from an
 * empty data directory; refused for the default one, used by the e2e suite).
 *
 * Stopping: SIGTERM, SIGINT (Ctrl+C) or SIGHUP, to this process or to the
 * `npm start` around it (the npm script `exec`s node, so npm's forwarded
 * signal reaches this process and no shell or tsx parent sits in between to
 * die or SIGKILL it): new connections are refused, requests in flight finish
 * (open live-update streams are cut after a grace period), jobs stop,
 * the embedded Postgres shuts down (fast mode), exit code 0.
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { ConfigError, getConfig } from "@/lib/config";
import { CLIENT_ADDRESS_HEADER, resolveClientAddress } from "@/lib/http/client-address";
import { metrics } from "@/lib/metrics";
import { type BundledRuntime, bundledRuntime } from "@/lib/runtime/bundle-bridge";
import { dropOutputWhenReaderGoes } from "@/lib/runtime/closed-output";
import {
  instrumentRequests,
  recordQueueWait,
  routeLabeler,
  timePostgresQueries,
} from "@/lib/runtime/http-instrumentation";
import type { JobRunner } from "@/lib/runtime/job-runner";
import { createMetricsEndpoint } from "@/lib/runtime/metrics-endpoint";
import { gatePageRenders } from "@/lib/runtime/page-gate";
import { readyReport, stepLine } from "@/lib/runtime/start-report";
import { buildWhenSourcesChanged } from "./build";
import type { StepMessage } from "./start-steps";

/** A start step that failed in the step process; `configuration` when the configuration is at fault (exit code 2). */
class StartStepFailed extends Error {
  constructor(
    message: string,
    readonly configuration = false,
  ) {
    super(message);
  }
}

const root = path.resolve(import.meta.dirname, "..");
const dev = process.argv.includes("--dev");
const fresh = process.argv.includes("--fresh");
// From the process's own start: loading the modules is part of what a person waits for.
const started = Date.now() - process.uptime() * 1000;
/** Requests in flight get this long after a stop signal; then remaining connections (live streams) are cut. */
const DRAIN_MS = 10_000;
/** A stop that has not finished by then exits anyway (after stopping Postgres), with code 1. */
const STOP_DEADLINE_MS = 60_000;

dropOutputWhenReaderGoes();

function progress(message: string): void {
  process.stdout.write(stepLine({ elapsedMs: Date.now() - started, mark: "…", text: message }));
}

/** Runs one step of the start, printing when it ends and how long it took. */
/** A stop signal arrived: steps cut short report that, and nothing new starts. */
let stopping = false;

async function step<T>(
  name: string,
  run: () => Promise<T>,
  done: (result: T) => string = () => name,
): Promise<T> {
  const begun = Date.now();
  try {
    const result = await run();
    process.stdout.write(
      stepLine({
        elapsedMs: Date.now() - started,
        mark: "✓",
        text: done(result),
        tookMs: Date.now() - begun,
      }),
    );
    return result;
  } catch (error) {
    // A step cut short by a stop did not fail: say so, not ✘.
    if (stopping) progress(`${name}: not finished, the portal is stopping`);
    else process.stdout.write(stepLine({ elapsedMs: Date.now() - started, mark: "✘", text: name }));
    throw error;
  }
}

/** Stops a build still running when the start fails or is stopped. */
const buildAbort = new AbortController();

function fail(message: string, code = 1): never {
  buildAbort.abort();
  process.stderr.write(`\ngantry: ${message}\n`);
  process.exit(code);
}

// Next reads NODE_ENV when it is imported; decide before that.
Object.assign(process.env, { NODE_ENV: dev ? "development" : "production" });

let config: ReturnType<typeof getConfig>;
try {
  config = getConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 2);
  throw error;
}

if (fresh) {
  if (config.dataDir === path.resolve(".gantry")) {
    fail(
      "--fresh deletes the data directory; it is refused for the default .gantry (set GANTRY_DATA_DIR)",
      2,
    );
  }
  progress(`--fresh: removing ${config.dataDir}`);
  fs.rmSync(config.dataDir, { recursive: true, force: true });
}
fs.mkdirSync(config.dataDir, { recursive: true });

// The build needs no database: it runs beside everything else from the start.
const buildLog = path.join(config.dataDir, "build.log");
const building: Promise<unknown> = dev
  ? Promise.resolve()
  : step(
      "production build",
      () =>
        buildWhenSourcesChanged({
          log: buildLog,
          signal: buildAbort.signal,
          onBuild: (first) =>
            progress(
              `${first ? "first start: building the portal" : "sources changed: rebuilding the portal"} (output in ${buildLog})`,
            ),
        }),
      (outcome) => (outcome === "reused" ? "production build is current: reused" : "portal built"),
    );
// Seen by whoever awaits it; until then a failure must not end the process unhandled.
building.catch(() => {});
// The one-shot steps (migrations, sign-in, the GitOps repository, the import) run in a process
// of their own that exits when done (scripts/start-steps.ts): this one, the server, loads the
// application once, from the Next.js bundle. It starts now, so the repository is prepared
// while Postgres starts. The heap limit is the server's: a large demo's generator gets what it
// needs, and the import, which reads a slice of applications at a time, collects after each
// slice. The young generation's cap is kept: without it V8 sizes it from the machine's memory,
// and the step process held tens of MiB of short-lived garbage more.
const steps = fork(path.join(root, "scripts", "start-steps.ts"), [], {
  execArgv: [
    ...process.execArgv.filter((flag) => !/^--max-old-space-size/.test(flag)),
    "--expose-gc",
  ],
  env: { ...process.env, GANTRY_START_STARTED_MS: String(started) },
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const stepsExited = new Promise<void>((resolve) => steps.once("exit", () => resolve()));
const authSaid = stepsSay("auth");
const importedBeforeSaid = stepsSay("importedBefore");
const importedSaid = stepsSay("imported");
for (const said of [authSaid, importedBeforeSaid, importedSaid]) said.catch(() => {});

/** The step process's message of that kind; rejected when it fails or ends without saying it. */
function stepsSay<K extends StepMessage["kind"]>(
  kind: K,
): Promise<Extract<StepMessage, { kind: K }>> {
  const isKind = (message: StepMessage): message is Extract<StepMessage, { kind: K }> =>
    message.kind === kind;
  return new Promise((resolve, reject) => {
    const listen = (message: StepMessage) => {
      if (isKind(message)) {
        resolve(message);
        forget();
      } else if (message.kind === "failed") {
        reject(new StartStepFailed(message.message, message.configuration));
        forget();
      }
    };
    const ended = (code: number | null) => {
      reject(new StartStepFailed(`the start steps ended (exit code ${code}) before "${kind}"`));
      forget();
    };
    const forget = () => {
      steps.off("message", listen);
      steps.off("exit", ended);
    };
    steps.on("message", listen);
    steps.on("exit", ended);
  });
}

const database = await step(
  "Postgres",
  () => openPostgres(),
  (opened) => `Postgres ready (${opened.embedded ? "embedded" : "DATABASE_URL"})`,
).catch((error: unknown) => {
  steps.kill("SIGKILL");
  return fail(error instanceof Error ? error.message : String(error));
});
steps.send({ kind: "database", url: database.url, embedded: database.embedded });
// Next's server code is bundled separately and reads its own configuration from the
// environment: point it at the database just opened (embedded or not).
process.env.DATABASE_URL = database.url;

// Sign-in: the cookie-signing secret for the server, and the first admin on an empty database.
let firstAdmin: { email: string; password: string; file: string } | undefined;
try {
  const auth = await authSaid;
  process.env.GANTRY_AUTH_SECRET = auth.secret;
  firstAdmin = auth.firstAdmin;
} catch (error) {
  await stepsExited;
  await database.stop();
  if (error instanceof StartStepFailed && error.configuration) fail(error.message, 2);
  fail(error instanceof Error ? error.message : String(error));
}

let jobs: JobRunner | undefined;
/** The job runner while it starts: a stop waits for it, then stops it too. */
let jobsStarting: Promise<JobRunner> | undefined;
let server: http.Server | undefined;
async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    progress(`${signal}: already stopping`);
    return;
  }
  stopping = true;
  progress(`${signal}: shutting down`);
  buildAbort.abort();
  const deadline = setTimeout(() => {
    progress(`did not stop within ${STOP_DEADLINE_MS / 1000} s; stopping Postgres and exiting`);
    void database.stop().finally(() => process.exit(1));
  }, STOP_DEADLINE_MS);
  deadline.unref();
  if (server) {
    const closing = server;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    closing.closeIdleConnections();
    const drain = setTimeout(() => closing.closeAllConnections(), DRAIN_MS);
    await closed;
    clearTimeout(drain);
  }
  const runner = jobs ?? (await jobsStarting?.catch(() => undefined));
  await runner?.stop().catch((error: unknown) => progress(`job runner: ${String(error)}`));
  // An import still refreshing the catalogue finishes before its database goes; steps that
  // have not reached the import end when they lose their parent.
  if (steps.connected) steps.disconnect();
  await stepsExited;
  await database.stop();
  progress("stopped");
  process.exit(0);
}
// `on`, not `once`: Ctrl+C reaches this process twice (from the terminal and
// forwarded by npm), and a second signal must not kill it halfway through.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => void shutdown(signal));
}

// Until the portal listens, the start itself is what keeps this process alive: work it waits
// for may wait only on unref'd timers (a Git host's retry backoff), and Node would otherwise
// end the process mid-start (exit 13, "unsettled top-level await").
const startingHold = setInterval(() => {}, 60_000);

// When an earlier start imported the catalogue, the portal answers from it while this one
// refreshes it; the build does not wait for the import.
const importedBefore = await importedBeforeSaid.then(
  (said) => said.value,
  () => false,
);
// Never rejects: a failed import is recorded and shown on /imports, and the portal still starts.
const importing = importedSaid.then(
  () => undefined,
  (error: unknown) =>
    progress(`import failed: ${error instanceof Error ? error.message : String(error)}`),
);

try {
  await building;
} catch (error) {
  // A stop signal aborted the build: shutdown() is ending the process.
  if (stopping) await new Promise(() => {});
  await database.stop();
  fail(error instanceof Error ? error.message : String(error));
}

// A first start cannot answer before its import, so Next.js is prepared only once the step
// process, which generated the demo and imported it, has exited: the two never hold their
// memory at once (at 10,000 apps they peaked at 800 MiB together). A later start answers from
// the catalogue it has and prepares Next.js at once, beside its import.
if (!importedBefore) await Promise.all([importing, stepsExited]);
// tsx turns Node's source maps on for this process, and Node then reads and keeps the map of
// every chunk of the production build it loads (about 80 MiB of the server's heap at 10,000
// apps). `next start` runs without them; the development server maps its own errors.
if (!dev) process.setSourceMapsEnabled(false);
const { default: next } = await import("next");
const app = next({ dev, dir: root, hostname: config.hostname, port: config.port });
await step(dev ? "Next.js ready (development)" : "Next.js ready", () => app.prepare());
const handle = app.getRequestHandler();
timePostgresQueries();
const metricsOnMainPort = config.metrics.token
  ? createMetricsEndpoint({
      databaseUrl: database.url,
      token: config.metrics.token,
      staleAfterSeconds: config.syncStaleAfterSeconds,
    })
  : undefined;
const serve = instrumentRequests(
  gatePageRenders(
    (request, response) => {
      void handle(request, response);
    },
    {
      concurrency: config.pageConcurrency,
      onStart: recordQueueWait,
      onWaiting: (waiting) => metrics().pagesWaiting.set(waiting),
    },
  ),
  routeLabeler(path.join(root, "app")),
);
server = http.createServer((request, response) => {
  // The one place the socket is known: everything downstream reads this header only.
  const client = resolveClientAddress({
    peer: request.socket.remoteAddress,
    forwardedFor: [request.headers["x-forwarded-for"] ?? []].flat().join(","),
    proxies: config.trustedProxies,
  });
  if (client) request.headers[CLIENT_ADDRESS_HEADER] = client;
  else delete request.headers[CLIENT_ADDRESS_HEADER];
  if (metricsOnMainPort && request.url?.split("?")[0] === "/metrics") {
    void metricsOnMainPort.handle(request, response);
    return;
  }
  serve(request, response);
});
if (config.metrics.port !== undefined) {
  const endpoint = createMetricsEndpoint({
    databaseUrl: database.url,
    token: undefined,
    staleAfterSeconds: config.syncStaleAfterSeconds,
  });
  const metricsServer = http.createServer((request, response) => {
    if (request.url?.split("?")[0] === "/metrics") void endpoint.handle(request, response);
    else response.writeHead(404).end();
  });
  metricsServer.on("error", (error) =>
    fail(
      `cannot listen for metrics on ${config.hostname}:${config.metrics.port}: ${error.message}`,
    ),
  );
  metricsServer.listen(config.metrics.port, config.hostname);
  metricsServer.unref();
}
if (stopping) {
  // A stop signal arrived while Next.js was being prepared: do not start serving.
  await new Promise(() => {});
}
server.on("error", (error) =>
  fail(`cannot listen on ${config.hostname}:${config.port}: ${error.message}`),
);
server.listen(config.port, config.hostname, () => {
  clearInterval(startingHold);
  void startJobsThenReport();
});

/** The job runner starts once the portal answers and the import is done; then the closing block, last. */
async function startJobsThenReport(): Promise<void> {
  await importing;
  if (stopping) return;
  try {
    jobsStarting = step(
      "job runner",
      async () =>
        (await applicationRuntime()).startJobRunner({ config, databaseUrl: database.url }),
      () =>
        "job runner started (promotion pull requests, catalogue imports, pull request polling, demo clusters when embedded)",
    );
    jobs = await jobsStarting;
  } catch (error) {
    if (stopping) return;
    progress(
      `the job runner could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    void shutdown("job runner failure");
    return;
  }
  // Stopped while the job runner started: shutdown() stops it; no closing block after "shutting down".
  if (stopping) return;
  // The public URL, never the bind address: the links in pages and pull requests name it too.
  const local = config.publicUrl;
  process.stdout.write(
    readyReport({
      url: local,
      gitUrl: `${local}/git/${config.git.repository}.git`,
      postgres: database.embedded ? `embedded, port ${new URL(database.url).port}` : "DATABASE_URL",
      dataDir: config.dataDir,
      startedInMs: Date.now() - started,
      firstAdmin,
    }),
  );
}

/**
 * The job runner from the Next.js bundle, so lib/ is loaded once in this process.
 * instrumentation.ts offers it when Next.js prepares its server, which a production custom
 * server does at its first request: this asks for /api/health once (which also spares the
 * first person the wait). The development server compiles on demand: there it is loaded
 * from the sources.
 */
async function applicationRuntime(): Promise<BundledRuntime> {
  if (dev) return bundledRuntime() ?? import("./development-runtime");
  const address = server?.address();
  if (!bundledRuntime() && address && typeof address === "object") {
    const host = ["0.0.0.0", "::"].includes(address.address) ? "localhost" : address.address;
    const url = new URL(`http://${host.includes(":") ? `[${host}]` : host}/api/health`);
    url.port = String(address.port);
    await fetch(url).then((response) => response.body?.cancel());
  }
  const bundled = bundledRuntime();
  if (bundled) return bundled;
  throw new Error(
    "the production build did not offer the job runner (instrumentation.ts): rebuild with `npx tsx scripts/build.ts`",
  );
}

/** DATABASE_URL, or the embedded Postgres under the data directory (started, or reused when another Gantry process runs it). */
async function openPostgres(): Promise<{ url: string; embedded: boolean; stop(): Promise<void> }> {
  if (config.databaseUrl) {
    progress("using the Postgres at DATABASE_URL");
    return { url: config.databaseUrl, embedded: false, stop: async () => {} };
  }
  progress(
    `starting embedded Postgres (data in ${config.dataDir}/postgres, port ${config.embeddedPostgresPort})`,
  );
  const { startEmbeddedPostgres } = await import("@/lib/postgres/embedded");
  const postgres = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
  });
  return { url: postgres.url, embedded: true, stop: () => postgres.stop() };
}
