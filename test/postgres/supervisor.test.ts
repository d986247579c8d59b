import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { parseConfig } from "@/lib/config";
import { createDbClient } from "@/lib/db";
import { markJobRunner } from "@/lib/jobs/queue-health";
import {
  embeddedPostgresPaths,
  type PostgresStateChange,
  type RunningPostgres,
  startEmbeddedPostgres,
} from "@/lib/postgres/embedded";
import { checkReadiness } from "@/lib/runtime/readiness";
import { freePort } from "../support/free-port";

async function selectOne(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The embedded Postgres is supervised: SIGKILL its postmaster and it is
 * started again by itself; while it is down, readiness names the database
 * and liveness still answers.
 */
describe("embedded Postgres supervisor", () => {
  // Each test supervises a server of its own: one test stops its server for good.
  const started: { dataDir: string; postgres: RunningPostgres }[] = [];

  async function startSupervised(changes: PostgresStateChange[]) {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-supervisor-"));
    await fs.chmod(dataDir, 0o755);
    await fs.mkdir(path.join(dataDir, "git", "gitops.git", "objects"), { recursive: true });
    await fs.writeFile(path.join(dataDir, "git", "gitops.git", "HEAD"), "ref: refs/heads/main\n");
    const postgres = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      disposable: true,
      // A first wait long enough for readiness to be seen failing.
      restartBackoffMs: [1500, 500],
      onStateChange: (change) => changes.push(change),
    });
    started.push({ dataDir, postgres });
    return { dataDir, postgres };
  }

  afterAll(async () => {
    for (const { dataDir, postgres } of started) {
      await postgres.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it("restarts a killed server, readiness names the database while it is down, and queries work again", async () => {
    const changes: PostgresStateChange[] = [];
    const { dataDir, postgres } = await startSupervised(changes);
    const config = parseConfig({ GANTRY_DATA_DIR: dataDir, DATABASE_URL: postgres.url });
    const db = createDbClient(postgres.url);
    markJobRunner(true);
    try {
      expect((await checkReadiness({ db, config })).ready).toBe(true);

      const pidFile = path.join(embeddedPostgresPaths(dataDir).cluster, "postmaster.pid");
      const pid = Number((await fs.readFile(pidFile, "utf8")).split("\n")[0]);
      process.kill(pid, "SIGKILL");

      await expect.poll(() => postgres.state(), { timeout: 10_000 }).toBe("down");
      const down = await checkReadiness({ db, config, timeoutMs: 1000 });
      expect(down.failing).toContain("database");
      expect(down.checks.database.ok).toBe(false);
      // Liveness: the process answers whatever the database does.
      expect((await health()).status).toBe(200);

      await expect.poll(() => postgres.state(), { timeout: 60_000 }).toBe("up");
      expect(await selectOne(postgres.url)).toBe(true);
      await expect
        .poll(async () => (await checkReadiness({ db, config })).ready, { timeout: 30_000 })
        .toBe(true);
      // Reported once when it went down and once when it came back, not per attempt.
      expect(changes.map((change) => change.state)).toEqual(["down", "up"]);
    } finally {
      markJobRunner(false);
      await db.$disconnect();
    }
  });

  it("stops for good: nothing restarts a server stopped on purpose", async () => {
    const { postgres } = await startSupervised([]);
    await postgres.stop();
    expect(postgres.state()).toBe("stopped");
    expect(await selectOne(postgres.url)).toBe(false);
  });
});
