/*
 * lib/postgres owns Postgres itself: the embedded server, local-only database URLs, and migrations
 * applied through the offline schema engine.
 */

import pg from "pg";

/**
 * Creating and dropping whole databases. Both run on the server's `postgres`
 * maintenance database with the credentials of the URL they are given, since
 * a database cannot create or drop itself.
 */

/** The database name in a postgres:// URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!name) throw new Error("The database URL names no database");
  return name;
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const next = new URL(url);
  next.pathname = `/${encodeURIComponent(database)}`;
  return next.toString();
}

async function withMaintenanceClient<T>(
  url: string,
  run: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates the URL's database when it does not exist yet. Returns whether it created it. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withMaintenanceClient(url, async (client) => {
    const existing = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (existing.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } catch (error) {
      // Someone else created it between the check and now: that is what we wanted.
      if (error instanceof Error && "code" in error && error.code === "42P04") return false;
      throw error;
    }
  });
}

/** Drops the URL's database, closing whatever connections are still open on it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withMaintenanceClient(url, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  });
}
