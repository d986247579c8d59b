import fs from "node:fs/promises";
import path from "node:path";
import type { MigrationList, SchemasContainer } from "@prisma/schema-engine-wasm/schema_engine_bg";

/**
 * The repository's Prisma schema and migrations as the schema engine takes
 * them, read the way Prisma's CLI reads them (so checksums agree with
 * `prisma migrate deploy`). Paths match prisma.config.ts.
 */

const repositoryRoot = path.resolve(import.meta.dirname, "..", "..");

export const prismaPaths = {
  schema: path.join(repositoryRoot, "prisma", "schema.prisma"),
  migrations: path.join(repositoryRoot, "prisma", "migrations"),
};

const LOCKFILE = "migration_lock.toml";
const MIGRATION_FILE = "migration.sql";

export async function readMigrationsList(dir = prismaPaths.migrations): Promise<MigrationList> {
  const lockfile = {
    path: LOCKFILE,
    content: await fs.readFile(path.join(dir, LOCKFILE), "utf8").catch(orNullWhenMissing),
  };
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    if (isMissing(error)) return [];
    throw error;
  });
  const migrationDirectories = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map(async (entry) => {
        const file = path.join(dir, entry.name, MIGRATION_FILE);
        const content = await fs.readFile(file, "utf8").then(
          (value) => ({ tag: "ok" as const, value }),
          (error: unknown) => ({
            tag: "error" as const,
            value: error instanceof Error ? error.message : String(error),
          }),
        );
        return { path: entry.name, migrationFile: { path: MIGRATION_FILE, content } };
      }),
  );
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return { baseDir: dir, lockfile, shadowDbInitScript: "", migrationDirectories };
}

/** A schema file, or every .prisma file of a schema folder. */
export async function readSchemaFiles(schema = prismaPaths.schema): Promise<SchemasContainer> {
  const stat = await fs.stat(schema);
  const files = stat.isDirectory()
    ? (await fs.readdir(schema, { recursive: true }))
        .filter((name) => name.endsWith(".prisma"))
        .sort()
        .map((name) => path.join(schema, name))
    : [schema];
  return {
    files: await Promise.all(
      files.map(async (file) => ({ path: file, content: await fs.readFile(file, "utf8") })),
    ),
  };
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

function orNullWhenMissing(error: unknown): null {
  if (isMissing(error)) return null;
  throw error;
}
