import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedPostgresPaths, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { freePort } from "../support/free-port";

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

function password(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

async function emptyDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-embedded-test-"));
  await fs.chmod(dir, 0o755); // the `postgres` user must be able to enter it when run as root
  return dir;
}

// One initialised cluster (with a `kept` row) for the tests that restart it,
// made here rather than by whichever test happens to run first; the test of
// the first start has an empty directory of its own.
describe("embedded Postgres", () => {
  let dataDir: string;
  let freshDir: string | undefined;
  beforeAll(async () => {
    dataDir = await emptyDataDir();
    const setup = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      disposable: true,
    });
    try {
      await query(
        setup.url,
        "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')",
      );
    } finally {
      await setup.stop();
    }
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
    if (freshDir) await fs.rm(freshDir, { recursive: true, force: true });
  });

  it("initialises on first start with a private random password, and reuses the data on the next start", async () => {
    freshDir = await emptyDataDir();
    const dataDir = freshDir;
    const paths = embeddedPostgresPaths(dataDir);
    const first = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      disposable: true,
    });
    expect(first.startedHere).toBe(true);
    expect(new URL(first.url).hostname).toBe("127.0.0.1");
    expect(new URL(first.url).pathname).toBe("/gantry");
    expect((await fs.stat(paths.credentials)).mode & 0o777).toBe(0o600);
    expect(password(first.url).length).toBeGreaterThanOrEqual(24);
    await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
    await first.stop();

    const second = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      disposable: true,
    });
    try {
      expect(second.startedHere).toBe(true);
      expect(password(second.url)).toBe(password(first.url));
      expect(await query(second.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    } finally {
      await second.stop();
    }
    expect(await fs.readFile(paths.log, "utf8")).not.toContain(password(first.url));
  });

  it("starts again after its server was killed, past the stale postmaster.pid", async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dataDir, port, disposable: true });
    const pidFile = path.join(embeddedPostgresPaths(dataDir).cluster, "postmaster.pid");
    const pid = Number((await fs.readFile(pidFile, "utf8")).split("\n")[0]);
    process.kill(pid, "SIGKILL");
    await expect.poll(() => isGone(pid), { timeout: 10_000 }).toBe(true);
    expect(await fs.stat(pidFile).then(() => true)).toBe(true); // the crash left it behind

    const second = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      disposable: true,
    });
    try {
      expect(second.startedHere).toBe(true);
      expect(await query(second.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    } finally {
      await second.stop();
    }
    expect(first.port).toBe(port);
  });

  it("reuses a server already running for the same data directory, and leaves it running", async () => {
    const owner = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      disposable: true,
    });
    try {
      const guest = await startEmbeddedPostgres({
        dataDir,
        port: await freePort(),
        disposable: true,
      });
      expect(guest.startedHere).toBe(false);
      expect(guest.port).toBe(owner.port);
      await guest.stop();
      expect(await query(owner.url, "SELECT note FROM kept")).toEqual([{ note: "still here" }]);
    } finally {
      await owner.stop();
    }
  });

  it("refuses, with a clear message, a cluster whose credentials file is gone", async () => {
    const { credentials } = embeddedPostgresPaths(dataDir);
    await fs.rename(credentials, `${credentials}.moved`);
    try {
      await expect(
        startEmbeddedPostgres({ dataDir, port: await freePort(), disposable: true }),
      ).rejects.toThrow(/postgres\.credentials is missing/);
    } finally {
      await fs.rename(`${credentials}.moved`, credentials);
    }
  });
});

/** True once the process is gone or a zombie (killed, not yet reaped). */
async function isGone(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
