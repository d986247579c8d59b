// Vitest global setup for the `integration` project: one Postgres server and
// one freshly migrated database per run, handed to the tests as
// `inject("databaseUrl")`, dropped (and the server stopped) at the end.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { getConfig } from "@/lib/config";
import { dropDatabase, ensureDatabase, withDatabase } from "@/lib/postgres/database";
import { applyMigrations } from "@/lib/postgres/migrate";
import { openTestDatabaseServer } from "./database-server";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's migrated database: a template to copy (see test/support/db.ts), not to write to. */
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await openTestDatabaseServer({ databaseUrl: getConfig().databaseUrl });
  const name = `gantry_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const url = withDatabase(server.maintenanceUrl, name);
  try {
    await ensureDatabase(url);
    await applyMigrations(url);
  } catch (error) {
    await dropDatabase(url).finally(() => server.stop());
    throw error;
  }
  project.provide("databaseUrl", url);
  return async () => {
    try {
      await dropDatabase(url);
    } finally {
      await server.stop();
    }
  };
}
