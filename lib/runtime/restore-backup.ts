import { execFile } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { promisify } from "node:util";
import pg from "pg";
import { GantryError } from "@/lib/errors";
import { gitRoot } from "@/lib/git/local/repository-path";
import { embeddedPostgresPaths, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { readMigrationsList } from "@/lib/postgres/migration-files";
import { BACKED_UP_SCHEMA, type BackupManifest, manifestSchema } from "@/lib/runtime/backup-format";

const run = promisify(execFile);
const BATCH = 500;

/**
 * Restores a backup made by `createBackup` into a fresh embedded data
 * directory: a new Postgres cluster with this Gantry's migrations, every
 * row as it was (triggers and foreign keys held off while loading, as
 * pg_restore does, so the append-only audit table can be filled), sequences
 * where they were, and the local Git repositories. A directory that is not
 * empty is refused unless `force` (and never while a Postgres runs on it).
 */
export async function restoreBackup(params: {
  file: string;
  dataDir: string;
  port: number;
  force?: boolean;
  onProgress?: (message: string) => void;
}): Promise<BackupManifest> {
  const progress = params.onProgress ?? (() => {});
  const dataDir = path.resolve(params.dataDir);
  await prepareDataDir(dataDir, params.force ?? false);

  const staging = await fsp.mkdtemp(path.join(os.tmpdir(), "gantry-restore-"));
  try {
    await run("tar", ["-xzf", path.resolve(params.file), "-C", staging]).catch((error: unknown) => {
      throw new GantryError(
        "bad_request",
        `${params.file} is not a readable Gantry backup (tar: ${String(error).slice(0, 200)})`,
      );
    });
    const manifest = await readManifest(staging);
    const known = new Set((await readMigrationsList()).migrationDirectories.map((m) => m.path));
    const unknown = manifest.migrations.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new GantryError(
        "bad_request",
        `the backup was made by a newer Gantry (migrations ${unknown.slice(0, 3).join(", ")} are unknown here): restore it with that version`,
      );
    }

    const postgres = await startEmbeddedPostgres({ dataDir, port: params.port });
    try {
      progress("applying database migrations");
      await applyMigrations(postgres.url);
      await loadTables(postgres.url, staging, manifest, progress);
    } finally {
      await postgres.stop();
    }
    await restoreRepositories(staging, dataDir, manifest, progress);
    progress(`restored into ${dataDir}`);
    return manifest;
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}

async function prepareDataDir(dataDir: string, force: boolean): Promise<void> {
  const entries = fs.existsSync(dataDir) ? await fsp.readdir(dataDir) : [];
  if (entries.length === 0) {
    await fsp.mkdir(dataDir, { recursive: true });
    return;
  }
  if (!force) {
    throw new GantryError(
      "conflict",
      `${dataDir} is not empty: restore into a new GANTRY_DATA_DIR, or add --force to replace what is there`,
    );
  }
  const pidFile = path.join(embeddedPostgresPaths(dataDir).cluster, "postmaster.pid");
  const pid = Number((await fsp.readFile(pidFile, "utf8").catch(() => "")).split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    throw new GantryError(
      "conflict",
      `a Postgres (pid ${pid}) is running on ${dataDir}: stop Gantry before restoring over it`,
    );
  }
  for (const entry of entries)
    await fsp.rm(path.join(dataDir, entry), { recursive: true, force: true });
}

async function readManifest(staging: string): Promise<BackupManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fsp.readFile(path.join(staging, "manifest.json"), "utf8"));
  } catch {
    throw new GantryError(
      "bad_request",
      "the archive has no readable manifest.json: not a Gantry backup",
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new GantryError(
      "bad_request",
      `manifest.json is not a Gantry backup manifest: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  return parsed.data;
}

async function loadTables(
  url: string,
  staging: string,
  manifest: BackupManifest,
  progress: (message: string) => void,
): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const schema = client.escapeIdentifier(BACKED_UP_SCHEMA);
  const qualified = (name: string) => `${schema}.${client.escapeIdentifier(name)}`;
  try {
    await client.query("BEGIN");
    // Superuser only (the embedded cluster's): no triggers, no foreign-key checks while loading.
    await client.query("SET LOCAL session_replication_role = replica");
    if (manifest.tables.length > 0) {
      // Rows the migrations seeded are replaced by the backup's.
      await client.query(`TRUNCATE ${manifest.tables.map((t) => qualified(t.name)).join(", ")}`);
    }
    for (const table of manifest.tables) {
      const file = path.join(staging, "database", `${table.name}.jsonl`);
      let batch: string[] = [];
      let loaded = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await client.query(
          `INSERT INTO ${qualified(table.name)} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${qualified(table.name)}, $1::json)`,
          [`[${batch.join(",")}]`],
        );
        loaded += batch.length;
        batch = [];
      };
      const lines = readline.createInterface({
        input: fs.createReadStream(file),
        crlfDelay: Infinity,
      });
      for await (const line of lines) {
        if (line.trim() === "") continue;
        batch.push(line);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (loaded !== table.rows) {
        throw new Error(`${table.name}: the backup lists ${table.rows} rows but holds ${loaded}`);
      }
      progress(`database: ${table.name} (${loaded} rows)`);
    }
    for (const sequence of manifest.sequences) {
      if (sequence.lastValue === null) continue;
      await client.query("SELECT setval($1::regclass, $2::bigint, true)", [
        qualified(sequence.name),
        sequence.lastValue,
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function restoreRepositories(
  staging: string,
  dataDir: string,
  manifest: BackupManifest,
  progress: (message: string) => void,
): Promise<void> {
  if (manifest.repositories.length === 0) return;
  await fsp.mkdir(gitRoot(dataDir), { recursive: true });
  for (const name of manifest.repositories) {
    const target = path.join(gitRoot(dataDir), name);
    await run("git", [
      "clone",
      "--quiet",
      "--mirror",
      "--no-hardlinks",
      path.join(staging, "git", name),
      target,
    ]);
    // A served repository, as ensure-repository makes it: no remote, read-only over HTTP.
    await run("git", ["--git-dir", target, "remote", "remove", "origin"]);
    await run("git", ["--git-dir", target, "config", "http.receivepack", "false"]);
    await run("git", ["--git-dir", target, "config", "uploadpack.allowFilter", "true"]);
    progress(`git: ${name}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}
