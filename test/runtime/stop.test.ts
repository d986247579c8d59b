import { type ChildProcess, execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port";
import { startNpm } from "./start-npm";

/** Every process whose process group is `group` (the detached npm and all it started). */
function processesInGroup(group: number): string[] {
  const table = execFileSync("ps", ["-e", "-o", "pid=,pgid=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, pgid]) => Number(pgid) === group)
    .map((fields) => fields.join(" "));
}

/**
 * SIGTERM to the outermost process of `npm start` stops the whole tree:
 * the portal, its job runner and its embedded Postgres, exit code 0, with
 * the reader of its output already gone (EPIPE). The production build is
 * used when it is current (`tsx scripts/build.ts` stamped it); otherwise
 * `npm run dev` (same start-up and stop, without a multi-minute build).
 */
describe("stopping npm start", () => {
  let dataDir: string;
  let npm: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-stop-"));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    if (npm?.pid && npm.exitCode === null) process.kill(-npm.pid, "SIGKILL");
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("SIGTERM to npm stops node and Postgres, exit 0, even with stdout closed", async () => {
    const port = await freePort();
    npm = await startNpm({ port, dataDir, demoApps: 3 });
    const group = npm.pid ?? 0;
    let stderr = "";
    npm.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm?.on("exit", (code, signal) => resolve({ code, signal })),
    );

    let output = "";
    await new Promise<void>((resolve, reject) => {
      npm?.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        // The closing block, whole: its last line is the frame's bottom.
        if (/Gantry is up[\s\S]*└─+┘/.test(output)) resolve();
      });
      void exited.then(({ code }) => reject(new Error(`npm exited (${code}) first:\n${stderr}`)));
    });
    // The first start's one-time password stands in that block, on stdout, never on stderr.
    const password = (await fs.readFile(path.join(dataDir, "admin-password"), "utf8")).trim();
    const block = output.slice(output.lastIndexOf("┌"));
    expect(block).toContain(`│      ${password} `);
    expect(block).toMatch(/Sign in as admin@gantry\.local/);
    expect(stderr).not.toContain(password);
    expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    expect(processesInGroup(group).some((line) => /postgres/.test(line))).toBe(true);

    // The log reader dies first: the portal's next line to stdout meets EPIPE.
    npm.stdout?.destroy();
    process.kill(group, "SIGTERM");

    expect(await exited).toEqual({ code: 0, signal: null });
    await expect.poll(() => processesInGroup(group), { timeout: 30_000 }).toEqual([]);
    await expect(fs.access(path.join(dataDir, "postgres", "postmaster.pid"))).rejects.toThrow();
  }, 600_000);

  it("a stop at the first answer, while the job runner starts, says so: no ✘, no closing block after it", async () => {
    const port = await freePort();
    npm = await startNpm({ port, dataDir, demoApps: 3 });
    const group = npm.pid ?? 0;
    let output = "";
    npm.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => npm?.on("exit", resolve));
    // The first 200 comes before the job runner is up: stop right then, as a quick Ctrl+C would.
    await expect
      .poll(
        () =>
          fetch(`http://127.0.0.1:${port}/api/health`).then(
            (response) => response.status,
            () => 0,
          ),
        { timeout: 300_000, interval: 50 },
      )
      .toBe(200);
    process.kill(group, "SIGTERM");

    expect(await exited).toBe(0);
    await expect.poll(() => processesInGroup(group), { timeout: 30_000 }).toEqual([]);
    expect(output).toContain("SIGTERM: shutting down");
    expect(output).not.toContain("✘");
    expect(output.slice(output.indexOf("SIGTERM: shutting down"))).not.toContain("Gantry is up");
    expect(output).toMatch(/… stopped\n?$/);
  }, 600_000);
});
