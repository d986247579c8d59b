import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { inject } from "vitest";
import { createDbClient, type Db } from "@/lib/db";
import { databaseName, dropDatabase, withDatabase } from "@/lib/postgres/database";

export type TestDatabase = {
  url: string;
  /** A client from lib/db.ts' factory, on this database only. */
  db: Db;
  /** Disconnects and drops the database. */
  drop(): Promise<void>;
};

/** The run's migrated database (see global-setup.ts). Copy it with `createTestDatabase`. */
export function migratedDatabaseUrl(): string {
  return inject("databaseUrl");
}

/**
 * A database of the test's own: a copy of the run's migrated database
 * (`CREATE DATABASE … TEMPLATE`, a file copy: fast), so tests never see each
 * other's rows and can run in parallel. Drop it in `afterAll`.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = migratedDatabaseUrl();
  const name = `${databaseName(template)}_${randomBytes(4).toString("hex")}`.slice(0, 63);
  const admin = new pg.Client({ connectionString: withDatabase(template, "postgres") });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(
          `CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(databaseName(template))}`,
        );
        break;
      } catch (error) {
        // Another test is copying the template right now; a copy needs it to itself.
        const busy = error instanceof Error && /being accessed by other users/.test(error.message);
        if (!busy || attempt >= 50) throw error;
        await sleep(50 + attempt * 20);
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(template, name);
  const db = createDbClient(url);
  return {
    url,
    db,
    async drop() {
      await db.$disconnect();
      await dropDatabase(url);
    },
  };
}
