// Starts a real etcd + kube-apiserver for tests, in the style of
// controller-runtime's envtest: random loopback ports, a temp directory with a
// throwaway PKI, RBAC on, and an admin kubeconfig. `stop()` kills both process
// groups and removes the directory. A watchdog process does the same if the
// Node process dies without stopping (SIGKILL, crash), and SIGINT/SIGTERM
// handlers do it when the run is interrupted.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { adminUser, type ClusterPki, createClusterPki } from "./pki.ts";

/** What a test needs to reach a running cluster; plain data, so vitest can `provide` it. */
export interface ClusterConnection {
  /** https://127.0.0.1:<port> */
  server: string;
  /** An admin kubeconfig (system:masters), as YAML. */
  kubeconfig: string;
  /** The same kubeconfig on disk, inside the cluster's temp directory. */
  kubeconfigPath: string;
  /** etcd's client URL (plain HTTP on loopback), for compaction and inspection. */
  etcdUrl: string;
  /** The directory holding kube-apiserver and etcd, so a test can start its own cluster. */
  binDir: string;
}

export interface StartClusterOptions {
  /** Directory with the `kube-apiserver` and `etcd` binaries (see build.sh --print-dir). */
  binDir: string;
  /** Extra kube-apiserver flags, appended after the harness's own. */
  apiserverArgs?: string[];
  /** How long etcd and the apiserver together may take to become ready. */
  startTimeoutMs?: number;
  /** Where to create the cluster's `gantry-cluster-*` directory; the OS temp dir by default. */
  tempRoot?: string;
}

export interface TestCluster {
  connection: ClusterConnection;
  /** The temp directory holding data, certificates, logs and the kubeconfig. */
  dir: string;
  /** Process ids (each the leader of its own process group): etcd, kube-apiserver, watchdog. */
  pids: { etcd: number; apiserver: number; watchdog: number };
  /** Stops both servers, removes `dir`. Safe to call more than once. */
  stop(): Promise<void>;
}

const serviceClusterIpRange = "10.0.0.0/24";
const serviceIp = "10.0.0.1";
const gracefulStopMs = 5_000;

class PortInUseError extends Error {}

interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logPath: string;
  /** Resolves when the process has exited (and been reaped). */
  exited: Promise<void>;
  hasExited(): boolean;
}

/** Everything that must go away if the run is interrupted; see killAllNow. */
interface LiveCluster {
  dir: string;
  groups: number[];
}

const live = new Set<LiveCluster>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (!isErrno(error, "ESRCH")) throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

/** Synchronous, for `exit` and signal handlers: no graceful shutdown, just gone. */
function killAllNow(): void {
  for (const cluster of live) {
    for (const pid of cluster.groups) killGroup(pid, "SIGKILL");
    rmSync(cluster.dir, { recursive: true, force: true });
  }
  live.clear();
  uninstallHandlers();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  // Someone else (vitest) may handle the signal; if nobody does, die of it as we would have.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAllNow);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off("exit", killAllNow);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}

/**
 * A detached `sh` that reads process-group ids on stdin. When stdin closes
 * because this Node process died, it kills those groups and removes the
 * directory. It ignores INT/TERM/HUP so a Ctrl-C aimed at the test run cannot
 * take it down before it has cleaned up; `stop()` ends it with SIGKILL.
 */
function startWatchdog(dir: string): ChildProcess {
  const script = [
    "trap '' INT TERM HUP",
    "pids=",
    'while read -r pid; do pids="$pids $pid"; done',
    'for pid in $pids; do kill -9 "-$pid" 2>/dev/null; done',
    'rm -rf -- "$1"',
  ].join("\n");
  const watchdog = spawn("/bin/sh", ["-c", script, "gantry-cluster-watchdog", dir], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.unref();
  return watchdog;
}

async function freePorts(count: number): Promise<number[]> {
  // Hold all listeners open together so the ports are distinct.
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP port assigned");
    return address.port;
  });
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}

function spawnServer(name: string, binary: string, args: string[], logPath: string): ServerProcess {
  const log = openSync(logPath, "a");
  let child: ChildProcess;
  try {
    // detached: each server leads its own process group, so stop() can kill the group.
    child = spawn(binary, args, { detached: true, stdio: ["ignore", log, log] });
  } finally {
    closeSync(log);
  }
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      done = true;
      resolve();
    });
    child.once("error", () => {
      done = true;
      resolve();
    });
  });
  if (child.pid === undefined) {
    throw new Error(`could not start ${name} from ${binary}; run: bash test/cluster/build.sh`);
  }
  return { name, child, pid: child.pid, logPath, exited, hasExited: () => done };
}

function logTail(logPath: string, lines = 30): string {
  try {
    return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch (error) {
    return `(log unreadable: ${String(error)})`;
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `ready` until it returns true, the server exits, or the deadline passes. */
async function waitUntilReady(
  server: ServerProcess,
  ready: () => Promise<boolean>,
  deadline: number,
): Promise<void> {
  for (;;) {
    if (server.hasExited()) {
      const tail = logTail(server.logPath);
      if (tail.includes("address already in use")) {
        throw new PortInUseError(`${server.name}: port taken`);
      }
      throw new Error(`${server.name} exited while starting; last log lines:\n${tail}`);
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${server.name} was not ready in time; last log lines:\n${logTail(server.logPath)}`,
      );
    }
    await sleep(100);
  }
}

function httpsGet(url: string, pki: ClusterPki): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      {
        ca: pki.caCertificate.pem,
        cert: pki.adminCertificate.pem,
        key: pki.adminKey.pem,
        timeout: 5_000,
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`timeout: GET ${url}`)));
    request.on("error", reject);
  });
}

function adminKubeconfig(server: string, pki: ClusterPki): string {
  const base64 = (pem: string) => Buffer.from(pem).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "gantry-test",
        cluster: { server, "certificate-authority-data": base64(pki.caCertificate.pem) },
      },
    ],
    users: [
      {
        name: adminUser.name,
        user: {
          "client-certificate-data": base64(pki.adminCertificate.pem),
          "client-key-data": base64(pki.adminKey.pem),
        },
      },
    ],
    contexts: [{ name: "gantry-test", context: { cluster: "gantry-test", user: adminUser.name } }],
    "current-context": "gantry-test",
  });
}

async function stopServer(server: ServerProcess): Promise<void> {
  if (!server.hasExited()) {
    killGroup(server.pid, "SIGTERM");
    const graceful = await Promise.race([
      server.exited.then(() => true),
      sleep(gracefulStopMs).then(() => false),
    ]);
    if (!graceful) killGroup(server.pid, "SIGKILL");
    await server.exited;
  }
  // The leader is gone; take anything it left in its group with it.
  killGroup(server.pid, "SIGKILL");
}

async function startOnce(options: StartClusterOptions): Promise<TestCluster> {
  const dir = await mkdtemp(path.join(options.tempRoot ?? os.tmpdir(), "gantry-cluster-"));
  const tracked: LiveCluster = { dir, groups: [] };
  live.add(tracked);
  installHandlers();

  const watchdog = startWatchdog(dir);
  const servers: ServerProcess[] = [];
  const guard = (pid: number) => {
    tracked.groups.push(pid);
    watchdog.stdin?.write(`${pid}\n`);
  };
  if (watchdog.pid !== undefined) tracked.groups.push(watchdog.pid);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        // apiserver first: it would otherwise spend its shutdown retrying a dead etcd.
        for (const server of [...servers].reverse()) await stopServer(server);
      } finally {
        // Even if a server could not be stopped cleanly: SIGKILL is still due, and the directory.
        for (const server of servers) killGroup(server.pid, "SIGKILL");
        await rm(dir, { recursive: true, force: true });
        if (
          watchdog.pid !== undefined &&
          watchdog.exitCode === null &&
          watchdog.signalCode === null
        ) {
          const gone = new Promise<void>((resolve) => watchdog.once("exit", () => resolve()));
          killGroup(watchdog.pid, "SIGKILL");
          await gone;
        }
        live.delete(tracked);
        if (live.size === 0) uninstallHandlers();
      }
    })();
    return stopping;
  };

  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
    const [etcdClientPort, etcdPeerPort, apiserverPort] = await freePorts(3);
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const server = `https://127.0.0.1:${apiserverPort}`;

    const pkiDir = path.join(dir, "pki");
    await mkdir(pkiDir, { mode: 0o700 });
    const pki = await createClusterPki({ dir: pkiDir, serviceIp });

    const etcd = spawnServer(
      "etcd",
      path.join(options.binDir, "etcd"),
      [
        "--name=gantry-test",
        `--data-dir=${path.join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=gantry-test=${peerUrl}`,
        "--unsafe-no-fsync",
      ],
      path.join(dir, "etcd.log"),
    );
    servers.push(etcd);
    guard(etcd.pid);
    await waitUntilReady(
      etcd,
      async () => {
        const response = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2_000) });
        return response.ok && (await response.json()).health === "true";
      },
      deadline,
    );

    const apiserver = spawnServer(
      "kube-apiserver",
      path.join(options.binDir, "kube-apiserver"),
      [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiserverPort}`,
        `--cert-dir=${path.join(dir, "apiserver-certs")}`,
        `--tls-cert-file=${pki.servingCertificate.path}`,
        `--tls-private-key-file=${pki.servingKey.path}`,
        `--client-ca-file=${pki.caCertificate.path}`,
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki.serviceAccountPublicKey.path}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey.path}`,
        `--service-cluster-ip-range=${serviceClusterIpRange}`,
        "--allow-privileged=true",
        "--profiling=false",
        ...(options.apiserverArgs ?? []),
      ],
      path.join(dir, "kube-apiserver.log"),
    );
    servers.push(apiserver);
    guard(apiserver.pid);
    // /readyz turns 200 after every post-start hook ran, including RBAC bootstrap.
    await waitUntilReady(
      apiserver,
      async () => (await httpsGet(`${server}/readyz`, pki)).status === 200,
      deadline,
    );

    const kubeconfig = adminKubeconfig(server, pki);
    const kubeconfigPath = path.join(dir, "admin.kubeconfig");
    await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });

    return {
      connection: { server, kubeconfig, kubeconfigPath, etcdUrl, binDir: options.binDir },
      dir,
      pids: { etcd: etcd.pid, apiserver: apiserver.pid, watchdog: watchdog.pid ?? -1 },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts etcd and kube-apiserver and waits until the apiserver is ready. */
export async function startCluster(options: StartClusterOptions): Promise<TestCluster> {
  // Free ports are found by binding and releasing them; another process can take
  // one in between. That shows up as "address already in use": try new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= 3) throw error;
    }
  }
}
