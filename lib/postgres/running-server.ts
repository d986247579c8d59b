import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

/**
 * What the data directory says about its embedded Postgres, read without
 * loading the server package: the superuser credentials, and, while a
 * process supervises the server, that process and the port
 * (`<dataDir>/postgres.running`, written when the supervised server is up
 * and removed when it stops). Commands use it to join the running portal's
 * server instead of starting one of their own.
 */

export const RUNNING_SERVER_FILE = "postgres.running";
export const CREDENTIALS_FILE = "postgres.credentials";
const HOST = "127.0.0.1";

const RunningServer = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65_535),
});
export type RunningServer = z.infer<typeof RunningServer>;

const Credentials = z.object({ user: z.string().min(1), password: z.string().min(1) });
export type Credentials = z.infer<typeof Credentials>;

/** Records that this process supervises the data directory's server on `port`. */
export function recordRunningServer(dataDir: string, port: number): void {
  const file = path.join(dataDir, RUNNING_SERVER_FILE);
  const scratch = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(scratch, `${JSON.stringify({ pid: process.pid, port })}\n`, { mode: 0o600 });
  fs.renameSync(scratch, file);
}

/** Removes the record when it is this process's (synchronous: also runs in an "exit" handler). */
export function forgetRunningServer(dataDir: string): void {
  const file = path.join(dataDir, RUNNING_SERVER_FILE);
  if (readRecord(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}

/**
 * The server another live process supervises for this data directory, or
 * undefined (no record, a record left by a process that was killed, or one
 * that does not parse).
 */
export function findRunningServer(dataDir: string): RunningServer | undefined {
  const record = readRecord(path.join(dataDir, RUNNING_SERVER_FILE));
  if (!record || record.pid === process.pid || !isAlive(record.pid)) return undefined;
  return record;
}

function readRecord(file: string): RunningServer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = RunningServer.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Half-written by a process killed mid-write: as good as no record.
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
}

/** The superuser credentials `initdb` was given; undefined when the file is missing. */
export async function readCredentials(file: string): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = Credentials.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`Embedded Postgres: ${file} is not a valid credentials file`);
  return parsed.data;
}

/** URL of `database` on the embedded server at `port` (password included: never log it). */
export function embeddedUrl(credentials: Credentials, port: number, database: string): string {
  return `postgresql://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
}
