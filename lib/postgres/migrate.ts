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
 * advisory lock while it migrates.
 */
export async function applyMigrations(
  databaseUrl: string,
  options: { migrationsDir?: string } = {},
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
