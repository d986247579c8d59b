import { execFile } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { gitRoot } from "@/lib/git/local/repository-path";
import {
  BACKED_UP_SCHEMA,
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupManifest,
  MIGRATIONS_TABLE,
} from "@/lib/runtime/backup-format";

const run = promisify(execFile);
const BATCH = 1000;

/**
 * Writes a consistent backup of Gantry's database (one snapshot of every
 * table) and of the local Git repositories under `dataDir` into `file`
 * (a .tar.gz, mode 0600: it holds password hashes and token hashes).
 * Works against the embedded Postgres and against DATABASE_URL alike.
 */
export async function createBackup(params: {
  databaseUrl: string;
  dataDir: string;
  file: string;
  onProgress?: (message: string) => void;
}): Promise<BackupManifest> {
  const progress = params.onProgress ?? (() => {});
  const staging = await fsp.mkdtemp(path.join(os.tmpdir(), "gantry-backup-"));
  try {
    await fsp.mkdir(path.join(staging, "database"));
    const client = new pg.Client({ connectionString: params.databaseUrl });
    await client.connect();
    let manifest: BackupManifest;
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      // The snapshot is taken at the first query; Git is copied after it.
      const migrations = (
        await client.query<{ migration_name: string }>(
          `SELECT migration_name FROM ${client.escapeIdentifier(MIGRATIONS_TABLE)} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY started_at, migration_name`,
        )
      ).rows.map((row) => row.migration_name);
      const tableNames = (
        await client.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $2
           ORDER BY c.relname`,
          [BACKED_UP_SCHEMA, MIGRATIONS_TABLE],
        )
      ).rows.map((row) => row.name);
      const tables: BackupManifest["tables"] = [];
      for (const name of tableNames) {
        const rows = await dumpTable(client, name, path.join(staging, "database", `${name}.jsonl`));
        tables.push({ name, rows });
        progress(`database: ${name} (${rows} rows)`);
      }
      const sequences = (
        await client.query<{ name: string; last_value: string | null }>(
          "SELECT sequencename AS name, last_value::text AS last_value FROM pg_sequences WHERE schemaname = $1 ORDER BY sequencename",
          [BACKED_UP_SCHEMA],
        )
      ).rows.map((row) => ({ name: row.name, lastValue: row.last_value }));
      manifest = {
        format: BACKUP_FORMAT,
        version: BACKUP_VERSION,
        createdAt: new Date().toISOString(),
        migrations,
        tables,
        sequences,
        repositories: [],
      };
      manifest.repositories = await mirrorRepositories(params.dataDir, staging, progress);
      await client.query("COMMIT");
    } finally {
      await client.end();
    }
    await fsp.writeFile(
      path.join(staging, "manifest.json"),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    const target = path.resolve(params.file);
    const partial = `${target}.partial`;
    await run("tar", ["-czf", partial, "-C", staging, "."]);
    await fsp.chmod(partial, 0o600);
    await fsp.rename(partial, target);
    progress(`backup written to ${target}`);
    return manifest;
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
}

/** Streams a table's rows through a cursor (constant memory) into a JSON Lines file. */
async function dumpTable(client: pg.Client, table: string, file: string): Promise<number> {
  const out = fs.createWriteStream(file, { mode: 0o600 });
  const cursor = client.escapeIdentifier(`backup_${table}`);
  let count = 0;
  try {
    await client.query(
      `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS line FROM ${client.escapeIdentifier(BACKED_UP_SCHEMA)}.${client.escapeIdentifier(table)} t`,
    );
    for (;;) {
      const { rows } = await client.query<{ line: string }>(`FETCH ${BATCH} FROM ${cursor}`);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!out.write(`${row.line}\n`))
          await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      }
      count += rows.length;
    }
    await client.query(`CLOSE ${cursor}`);
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  return count;
}

async function mirrorRepositories(
  dataDir: string,
  staging: string,
  progress: (message: string) => void,
): Promise<string[]> {
  const root = gitRoot(dataDir);
  const names = fs.existsSync(root)
    ? (await fsp.readdir(root)).filter((name) => name.endsWith(".git")).sort()
    : [];
  if (names.length > 0) await fsp.mkdir(path.join(staging, "git"));
  for (const name of names) {
    // A mirror clone copies refs and objects as one consistent view, even while someone pushes.
    await run("git", [
      "clone",
      "--quiet",
      "--mirror",
      "--no-hardlinks",
      path.join(root, name),
      path.join(staging, "git", name),
    ]);
    progress(`git: ${name}`);
  }
  return names;
}
