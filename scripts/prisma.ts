/**
 * `npm run prisma -- <args>`: Prisma's CLI, working offline.
 *
 * - Points PRISMA_SCHEMA_ENGINE_BINARY at prisma/engine/schema-engine (the
 *   WebAssembly schema engine behind a JSON-RPC shim), so no native engine is
 *   downloaded or needed; CHECKPOINT_DISABLE=1 stops the update check.
 * - When DATABASE_URL is unset and the command talks to a database, starts
 *   the embedded Postgres (the app's own, under the data directory) for the
 *   duration of the command and points DATABASE_URL at it. migrate dev / diff
 *   get their shadow database as a temporary database on the same server.
 *
 *   npm run prisma -- migrate dev --name add-promotions
 *   npm run prisma -- migrate diff --from-migrations prisma/migrations --to-schema prisma/schema.prisma --exit-code
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { register } from "tsx/esm/api";
import type { RunningPostgres } from "../lib/postgres/embedded.ts";

// Project modules may use TypeScript that Node's type stripping rejects (e.g.
// parameter properties in lib/config.ts): load them through tsx.
register();
const { ConfigError, getConfig } = await import("../lib/config.ts");
const { startEmbeddedPostgres } = await import("../lib/postgres/embedded.ts");

const root = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);

/** Commands that never open a database connection. */
const OFFLINE = new Set(["generate", "format", "validate", "version", "init", "help", "debug"]);

function needsDatabase(argv: string[]): boolean {
  const command = argv.find((arg) => !arg.startsWith("-"));
  if (command === undefined) return false; // --version, --help
  // Everything else starts the schema engine, whose WebAssembly build connects
  // on start even for a pure schema-to-schema diff.
  return !OFFLINE.has(command);
}

async function main(): Promise<number> {
  const config = getConfig();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, "prisma", "engine", "schema-engine"),
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  };

  let postgres: RunningPostgres | undefined;
  if (!config.databaseUrl && needsDatabase(args)) {
    postgres = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
    });
    env.DATABASE_URL = postgres.url;
    process.stderr.write(
      `prisma: using the embedded Postgres on 127.0.0.1:${postgres.port} (data in ${config.dataDir})\n`,
    );
  }

  try {
    const child = spawn(
      path.join(root, "node_modules", ".bin", "node"),
      [path.join(root, "node_modules", "prisma", "build", "index.js"), ...args],
      { cwd: root, env, stdio: "inherit" },
    );
    // A terminal's Ctrl-C reaches the child directly; a SIGTERM sent to us alone is passed on.
    const forward = () => child.kill("SIGTERM");
    process.on("SIGTERM", forward);
    const code = await new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + 15 : 1)));
    });
    process.off("SIGTERM", forward);
    return code;
  } finally {
    await postgres?.stop();
  }
}

try {
  process.exit(await main());
} catch (error) {
  process.stderr.write(`prisma: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
