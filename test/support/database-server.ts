import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { withDatabase } from "@/lib/postgres/database";
import { startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { assertLocalDatabase } from "@/lib/postgres/local-url";
import { freePort } from "./free-port";

export type TestDatabaseServer = {
  /** The server's maintenance database; tests create their own databases next to it. */
  maintenanceUrl: string;
  stop(): Promise<void>;
};

/**
 * The Postgres server a test run uses: DATABASE_URL's when it is set (and
 * local: the harness creates and drops databases, so it refuses anything
 * else before connecting), otherwise a throwaway embedded Postgres in a
 * temporary directory on a free port, removed when the run ends.
 */
export async function openTestDatabaseServer(options: {
  databaseUrl: string | undefined;
}): Promise<TestDatabaseServer> {
  if (options.databaseUrl) {
    assertLocalDatabase(options.databaseUrl);
    return { maintenanceUrl: withDatabase(options.databaseUrl, "postgres"), stop: async () => {} };
  }
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-test-postgres-"));
  // Run as root, Postgres runs as the `postgres` user, which must be able to enter the directory.
  await fs.chmod(dataDir, 0o755);
  try {
    const server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: "postgres",
      disposable: true,
    });
    return {
      maintenanceUrl: server.url,
      stop: async () => {
        await server.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
