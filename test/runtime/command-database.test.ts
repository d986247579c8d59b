import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { findRunningServer, RUNNING_SERVER_FILE } from "@/lib/postgres/running-server";
import { freePort } from "../support/free-port";

const root = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

/** `npm run gantry -- …` as a person runs it, on a data directory of the test's own. */
function gantry(dataDir: string, port: number, args: string[]) {
  return run(
    path.join(root, "node_modules/.bin/node"),
    ["--import", "tsx", "cli/gantry.ts", ...args],
    {
      cwd: root,
      env: {
        ...process.env,
        GANTRY_DATA_DIR: dataDir,
        GANTRY_EMBEDDED_POSTGRES_PORT: String(port),
        DATABASE_URL: "",
      },
    },
  );
}

async function emails(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ email: string }>('SELECT email FROM "User" ORDER BY email');
    return result.rows.map((row) => row.email);
  } finally {
    await client.end();
  }
}

/**
 * A command beside a running portal uses the portal's Postgres (its
 * supervisor says which port in the data directory); without one it starts
 * Postgres for itself, without a word, and stops it again.
 */
describe("the database of a command", () => {
  let dataDir: string;
  let portal: RunningPostgres;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-command-db-"));
    fs.chmodSync(dataDir, 0o755);
    portal = await startEmbeddedPostgres({ dataDir, port: await freePort(), disposable: true });
    await applyMigrations(portal.url);
  });
  afterAll(async () => {
    await portal?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("joins the running portal's Postgres, saying nothing about starting one", async () => {
    expect(fs.existsSync(path.join(dataDir, RUNNING_SERVER_FILE))).toBe(true);
    // Another port in the settings: only the supervisor's record can lead the command to the server.
    const { stdout, stderr } = await gantry(dataDir, await freePort(), [
      "user",
      "create",
      "--email",
      "beside@example.test",
      "--name",
      "Beside",
      "--role",
      "viewer",
    ]);
    expect(stdout).toMatch(/\S/);
    expect(stderr).not.toMatch(/starting embedded Postgres|migration/);
    expect(await emails(portal.url)).toEqual(["beside@example.test"]);
  });

  it("without a portal, starts Postgres quietly for the command and stops it after", async () => {
    await portal.stop();
    expect(fs.existsSync(path.join(dataDir, RUNNING_SERVER_FILE))).toBe(false);
    expect(findRunningServer(dataDir)).toBeUndefined();
    const { stdout, stderr } = await gantry(dataDir, await freePort(), ["user", "list"]);
    expect(stdout).toContain("beside@example.test");
    expect(stderr).toBe("");
    expect(findRunningServer(dataDir)).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
  });

  it("ignores the record of a supervisor that was killed", () => {
    fs.writeFileSync(
      path.join(dataDir, RUNNING_SERVER_FILE),
      JSON.stringify({ pid: 2 ** 22 + 1, port: 5432 }),
    );
    expect(findRunningServer(dataDir)).toBeUndefined();
    fs.rmSync(path.join(dataDir, RUNNING_SERVER_FILE));
  });
});
