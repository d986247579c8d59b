// The harness leaves nothing behind: no etcd, kube-apiserver or watchdog
// process, no temp directory, whether the cluster is stopped, fails to start,
// or its owner is interrupted or killed.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";
import { startCluster } from "./harness.ts";

const binDir = inject("cluster").binDir;
const holdCluster = fileURLToPath(new URL("./fixtures/hold-cluster.ts", import.meta.url));

/** Processes (not zombies) in any of these process groups, as "pid command". */
function liveMembers(groups: number[]): string[] {
  const table = execFileSync("ps", ["-eo", "pid=,pgid=,stat=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/))
    .filter((match) => match !== null)
    .filter(([, , pgid, stat]) => groups.includes(Number(pgid)) && !stat?.startsWith("Z"))
    .map(([, pid, , , args]) => `${pid} ${args}`);
}

/** Processes (not zombies) whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  const table = execFileSync("ps", ["-eo", "pid=,stat=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .filter((line) => line.includes(text) && !/^\s*\d+\s+Z/.test(line))
    .map((line) => line.trim());
}

async function eventually(what: string, check: () => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("harness cleanup", () => {
  it("stop() ends every process group and removes the temp directory", async () => {
    const cluster = await startCluster({ binDir });
    const groups = Object.values(cluster.pids);
    expect(liveMembers(groups)).toHaveLength(groups.length);
    expect(existsSync(path.join(cluster.dir, "etcd"))).toBe(true);

    await cluster.stop();
    expect(liveMembers(groups)).toEqual([]);
    expect(existsSync(cluster.dir)).toBe(false);
    await expect(cluster.stop()).resolves.toBeUndefined();
  });

  it("cleans up when the apiserver fails to start, and says why", async () => {
    // A root of its own, so what is left behind can be told apart from other runs' clusters.
    const tempRoot = mkdtempSync(path.join(os.tmpdir(), "gantry-harness-test-"));
    try {
      await expect(
        startCluster({ binDir, tempRoot, apiserverArgs: ["--no-such-flag"] }),
      ).rejects.toThrow(/kube-apiserver exited while starting[\s\S]*unknown flag: --no-such-flag/);
      expect(readdirSync(tempRoot)).toEqual([]);
      // etcd's --data-dir, the apiserver's --cert-dir and the watchdog's argument are all under tempRoot.
      expect(processesMentioning(tempRoot)).toEqual([]);
    } finally {
      rmSync(tempRoot, { recursive: true, force: true });
    }
  });

  it.each(["SIGTERM", "SIGINT", "SIGKILL"] as const)(
    "cleans up when the process that started the cluster gets %s",
    async (signal) => {
      const holder = spawn(process.execPath, [holdCluster, binDir], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        holder.once("exit", (_code, received) => resolve(received)),
      );
      const started = await new Promise<string>((resolve, reject) => {
        let output = "";
        holder.stdout.setEncoding("utf8");
        holder.stdout.on("data", (chunk: string) => {
          output += chunk;
          if (output.includes("\n")) resolve(output.slice(0, output.indexOf("\n")));
        });
        holder.once("exit", (code) => reject(new Error(`hold-cluster exited early (${code})`)));
      });
      const { dir, pids }: { dir: string; pids: Record<string, number> } = JSON.parse(started);
      const groups = Object.values(pids);
      expect(liveMembers(groups)).toHaveLength(groups.length);

      holder.kill(signal);
      expect(await exited).toBe(signal);
      // SIGTERM and SIGINT are handled in-process; after SIGKILL the watchdog notices.
      await eventually(
        `the cluster of a process killed by ${signal} to be gone`,
        () => liveMembers(groups).length === 0 && !existsSync(dir),
      );
    },
  );
});
