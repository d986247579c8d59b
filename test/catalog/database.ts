import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createDbClient } from "@/lib/db";

/**
 * A database of its own for a test file, copied from the run's migrated
 * database (CREATE DATABASE … TEMPLATE is a file copy: fast). The importer
 * archives every app missing from the repository it reads, so tests that
 * import must not share a catalogue.
 */
export async function createIsolatedDatabase(): Promise<{
  url: string;
  db: PrismaClient;
  drop: () => Promise<void>;
}> {
  const templateUrl = inject("databaseUrl");
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `${template}_${randomBytes(4).toString("hex")}`.slice(0, 63);
  // Connected to the maintenance database: a connection to the template would block the copy.
  const maintenance = new URL(templateUrl);
  maintenance.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (error) {
        // Another file is copying the template at this moment: copies need it to themselves.
        const busy = error instanceof Error && /being accessed by other users/.test(error.message);
        if (!busy || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + attempt * 20));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  const db = createDbClient(url.toString());
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.$disconnect();
      const client = new pg.Client({ connectionString: maintenance.toString() });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
