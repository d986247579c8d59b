import path from "node:path";
import type { GantryConfig } from "@/lib/config";
import {
  CREDENTIALS_FILE,
  embeddedUrl,
  findRunningServer,
  readCredentials,
} from "@/lib/postgres/running-server";
import type { OpenDatabase, Progress } from "@/lib/runtime/boot";

const DATABASE = "gantry";

/**
 * The database for a command (`npm run gantry -- …`), as cheaply as it can
 * be had: while a portal runs on the data directory, its embedded Postgres
 * (the supervisor's record says which port; the portal applied the
 * migrations when it started), with nothing else loaded; otherwise
 * DATABASE_URL, or an embedded Postgres started for the command, without a
 * word, and stopped by `stop()`. Migrations are applied in those two cases.
 */
export async function connectDatabase(
  config: GantryConfig,
  progress: Progress,
): Promise<OpenDatabase> {
  if (!config.databaseUrl) {
    const running = findRunningServer(config.dataDir);
    const credentials = await readCredentials(path.join(config.dataDir, CREDENTIALS_FILE));
    if (running && credentials) {
      return {
        url: embeddedUrl(credentials, running.port, DATABASE),
        embedded: true,
        stop: async () => {},
      };
    }
  }
  const { openDatabase } = await import("@/lib/runtime/boot");
  return openDatabase(config, progress, { quiet: true });
}
