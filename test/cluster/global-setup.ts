// Vitest global setup for the `cluster` project: build (or reuse) the binaries,
// start one etcd + kube-apiserver for the whole run, install the Argo CD and
// Flux CRDs, hand the connection to the tests, and tear it all down at the end.
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { ClusterClient, crdFiles } from "./cluster-client.ts";
import { type ClusterConnection, startCluster } from "./harness.ts";

declare module "vitest" {
  export interface ProvidedContext {
    cluster: ClusterConnection;
  }
}

const buildScript = fileURLToPath(new URL("./build.sh", import.meta.url));

/** Runs build.sh with its progress on our stderr; a no-op when the cache is warm. */
async function buildBinaries(): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const build = spawn("bash", [buildScript], { stdio: ["ignore", "inherit", "inherit"] });
    build.once("error", reject);
    build.once("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${buildScript} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
  const { stdout } = await promisify(execFile)("bash", [buildScript, "--print-dir"]);
  return stdout.trim();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binDir = await buildBinaries();
  const cluster = await startCluster({ binDir });
  try {
    await new ClusterClient(cluster.connection).installCrds(crdFiles);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  project.provide("cluster", cluster.connection);
  return () => cluster.stop();
}
