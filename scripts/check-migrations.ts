/**
 * `node scripts/check-migrations.ts`: fails (exit 1) when prisma/schema.prisma
 * and prisma/migrations disagree, i.e. when someone changed the schema without
 * creating the migration (or edited a migration by hand). CI runs it.
 *
 * It replays every migration into a temporary shadow database and compares
 * the result with the schema: the same check as
 *   npm run prisma -- migrate diff --from-migrations prisma/migrations \
 *     --to-schema prisma/schema.prisma --exit-code
 * but in-process, so an engine failure can never pass for "no difference".
 * The shadow database lives on DATABASE_URL's server when set, else on the
 * embedded Postgres. `--schema <file|dir>` and `--migrations <dir>` check
 * other paths (the tests use them).
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { register } from "tsx/esm/api";
import type { RunningPostgres } from "../lib/postgres/embedded.ts";

// Project modules may use TypeScript that Node's type stripping rejects: load them through tsx.
register();
const { getConfig } = await import("../lib/config.ts");
const { startEmbeddedPostgres } = await import("../lib/postgres/embedded.ts");
const { prismaPaths, readMigrationsList, readSchemaFiles } = await import(
  "../lib/postgres/migration-files.ts"
);
const { engineErrorMessage, openSchemaEngine } = await import("../lib/postgres/schema-engine.ts");

const root = path.resolve(import.meta.dirname, "..");
const relative = (file: string) => path.relative(root, file) || ".";
const { values: options } = parseArgs({
  options: { schema: { type: "string" }, migrations: { type: "string" } },
});
const schemaPath = path.resolve(options.schema ?? prismaPaths.schema);
const migrationsPath = path.resolve(options.migrations ?? prismaPaths.migrations);

async function main(): Promise<number> {
  const config = getConfig();
  let postgres: RunningPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    postgres = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
    });
    url = postgres.url;
  }
  try {
    const migrationsList = await readMigrationsList(migrationsPath);
    const schema = await readSchemaFiles(schemaPath);
    const opened = await openSchemaEngine({ datasource: { url } });
    let result: { exitCode: number; stdout: string | null };
    try {
      const noMigrationsYet =
        migrationsList.migrationDirectories.length === 0 &&
        migrationsList.lockfile.content === null;
      result = await opened.engine.diff({
        // Without migrations there is no lock file to tell the engine the provider.
        from: noMigrationsYet ? { tag: "empty" } : { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", ...schema },
        script: true,
        exitCode: true,
        filters: { externalTables: [], externalEnums: [] },
      });
    } finally {
      await opened.close();
    }

    const count = migrationsList.migrationDirectories.length;
    const migrations = relative(migrationsPath);
    const schemaFile = relative(schemaPath);
    if (result.exitCode === 0) {
      process.stdout.write(
        `migrations: ${count} migration(s) in ${migrations} match ${schemaFile}\n`,
      );
      return 0;
    }
    process.stderr.write(
      [
        `migrations: ${schemaFile} and ${migrations} disagree (${count} migration(s)).`,
        "Replaying the migrations does not produce the schema; a new migration would contain:",
        "",
        (result.stdout ?? "").trim(),
        "",
        "Create it with `npm run prisma -- migrate dev --name <what-changed>` and commit it,",
        "or, if a committed migration was edited, restore it.",
        "",
      ].join("\n"),
    );
    return 1;
  } finally {
    await postgres?.stop();
  }
}

try {
  process.exit(await main());
} catch (error) {
  process.stderr.write(`migrations: the check could not run: ${engineErrorMessage(error)}\n`);
  process.exit(1);
}
