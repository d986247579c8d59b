import { readMigrationsList } from "./migration-files.ts";
import { openSchemaEngine } from "./schema-engine.ts";

/**
 * Applies the committed migrations (prisma/migrations) that the database has
 * not seen yet: what `prisma migrate deploy` does, run in-process with the
 * same WebAssembly schema engine, so starting Gantry needs neither Prisma's
 * CLI nor a native engine. Returns the names of the migrations it applied, in
 * order (empty when the schema was up to date).
 *
 * Safe to run from several processes at once: the engine holds a Postgres
 * advisory lock while it migrates. Within one process, calls take turns: the
 * WebAssembly engine panics when two instances run at the same time (vitest
 * runs the integration and cluster projects' global set-ups concurrently).
 */
export function applyMigrations(
  databaseUrl: string,
  options: { migrationsDir?: string } = {},
): Promise<string[]> {
  // On globalThis, not in this module: a test runner may load the module twice.
  const shared = globalThis as typeof globalThis & { [IN_TURN]?: Promise<void> };
  const run = (shared[IN_TURN] ?? Promise.resolve()).then(() =>
    applyMigrationsNow(databaseUrl, options),
  );
  shared[IN_TURN] = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

const IN_TURN = Symbol.for("gantry.applyMigrations.inTurn");

async function applyMigrationsNow(
  databaseUrl: string,
  options: { migrationsDir?: string },
): Promise<string[]> {
  const migrationsList = await readMigrationsList(options.migrationsDir);
  const opened = await openSchemaEngine({ datasource: { url: databaseUrl } });
  try {
    const { appliedMigrationNames } = await opened.engine.applyMigrations({
      migrationsList,
      filters: { externalTables: [], externalEnums: [] },
    });
    return appliedMigrationNames;
  } catch (error) {
    throw new Error(`Applying database migrations failed: ${opened.describeError(error)}`, {
      cause: error,
    });
  } finally {
    await opened.close();
  }
}
