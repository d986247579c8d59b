import type { ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port";
import { startNpm } from "./start-npm";

/**
 * A first start seeds the demo and imports it in the step process, and cannot answer before
 * that: Next.js is prepared only once that process is done, so the two never hold their memory
 * at once. Enough apps that the import outlasts Next.js' preparation, which ran beside it.
 */
describe("the first start's order", () => {
  let dataDir: string;
  let npm: ChildProcess | undefined;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-start-order-"));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    if (npm?.pid && npm.exitCode === null) process.kill(-npm.pid, "SIGKILL");
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it("prepares Next.js after the demo seed and the import, not beside them", async () => {
    const port = await freePort();
    npm = await startNpm({ port, dataDir, demoApps: 1500 });
    const group = npm.pid ?? 0;
    const exited = new Promise<number | null>((resolve) => npm?.on("exit", resolve));
    let output = "";
    await new Promise<void>((resolve, reject) => {
      npm?.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (/Gantry is up[\s\S]*└─+┘/.test(output)) resolve();
      });
      void exited.then((code) => reject(new Error(`npm exited (${code}) first:\n${output}`)));
    });
    process.kill(group, "SIGTERM");
    expect(await exited).toBe(0);

    const seeded = output.indexOf("seeded gitops with 1500 apps");
    const imported = output.indexOf("✓ catalogue imported: 1500 applications");
    const nextReady = output.search(/✓ Next\.js ready/);
    expect(seeded).toBeGreaterThan(-1);
    expect(imported).toBeGreaterThan(seeded);
    expect(nextReady).toBeGreaterThan(imported);
  }, 900_000);
});
