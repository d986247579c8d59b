import { PrismaPg } from "@prisma/adapter-pg";
import { getConfig } from "@/lib/config";
import { GantryError } from "@/lib/errors";
import { type Prisma, PrismaClient } from "@/lib/generated/prisma/client";

/**
 * The one Prisma client. Nothing else constructs a PrismaClient.
 *
 * - `getDb()`: the app's client, on DATABASE_URL. When Gantry runs its
 *   embedded Postgres, `npm start` starts it first and sets DATABASE_URL for
 *   the server process, so this never starts a database itself.
 * - `createDbClient(url)`: a client on any database (tests, the CLI, start-up
 *   work before the server runs); the caller disconnects it.
 */

/**
 * Fields no query returns unless it asks for them (`omit: { user: { tokenHash: false } }`):
 * password hashes, API and cluster tokens, webhook secrets. Every secret column
 * added to the schema gets a line here.
 *
 * Typed as the general option so the client's type stays plain
 * `PrismaClient` (domain functions take that type); the omission is enforced
 * at run time, and code that needs a hash selects it explicitly.
 */
const omitSecrets: Prisma.PrismaClientOptions["omit"] = {
  apiToken: { tokenHash: true },
  cluster: { tokenHash: true },
  account: { password: true, accessToken: true, refreshToken: true, idToken: true },
  session: { token: true },
};

/**
 * An interactive transaction holds one connection, and Prisma sends a
 * query's relation reads (and code its `Promise.all`) at once. pg queues
 * them on that connection and prints a DeprecationWarning for it (an error
 * from pg 9 on), so each transaction's statements go one after the other
 * here; the order is the order they were sent in, as pg's queue had it.
 * Queries outside a transaction use the pool and are left alone.
 */
const TRANSACTION_STATEMENTS: ReadonlySet<PropertyKey> = new Set([
  "queryRaw",
  "executeRaw",
  "commit",
  "rollback",
  "createSavepoint",
  "rollbackToSavepoint",
  "releaseSavepoint",
]);

function oneAtATime<T extends object>(target: T, methods: ReadonlySet<PropertyKey>): T {
  let previous: Promise<unknown> = Promise.resolve();
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property);
      if (!methods.has(property) || typeof value !== "function") return value;
      return (...args: unknown[]): Promise<unknown> => {
        const run = previous.then(() => Reflect.apply(value, object, args));
        previous = run.catch(() => undefined);
        return run;
      };
    },
  });
}

/**
 * The pool behind each client. pg's defaults (10 connections, closed after
 * 10 s idle) made a catalogue page under 16 concurrent readers wait for a
 * connection (each page sends several queries at once), and a quiet spell of
 * 10 s made the next requests open new connections (a process and a SCRAM
 * handshake each). 16 fits two replicas' clients, pg-boss and the CLI in
 * Postgres' default 100 connections.
 */
const POOL = { max: 16, idleTimeoutMillis: 60_000 } as const;

/**
 * Statements sent to Postgres through this process's clients (BEGIN and
 * COMMIT included). Each is a round trip a caller waits on, so tests and
 * benchmarks count them, as they count git processes.
 */
let statementsSent = 0;

export function databaseStatementsSent(): number {
  return statementsSent;
}

const STATEMENTS: ReadonlySet<PropertyKey> = new Set(["queryRaw", "executeRaw"]);

function counted<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property);
      if (!STATEMENTS.has(property) || typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        statementsSent += 1;
        return Reflect.apply(value, object, args);
      };
    },
  });
}

function postgresAdapter(url: string): PrismaPg {
  return new Proxy(new PrismaPg({ connectionString: url, ...POOL }), {
    get(factory, property) {
      const value: unknown = Reflect.get(factory, property);
      if (property !== "connect" || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const adapter: unknown = await Reflect.apply(value, factory, args);
        if (typeof adapter !== "object" || adapter === null) return adapter;
        return new Proxy(counted(adapter), {
          get(connected, name) {
            const method: unknown = Reflect.get(connected, name);
            if (name !== "startTransaction" || typeof method !== "function") return method;
            return async (...options: unknown[]) => {
              // BEGIN, and SET TRANSACTION when an isolation level is asked for.
              statementsSent += options[0] === undefined ? 1 : 2;
              const transaction: unknown = await Reflect.apply(method, connected, options);
              return typeof transaction === "object" && transaction !== null
                ? oneAtATime(counted(transaction), TRANSACTION_STATEMENTS)
                : transaction;
            };
          },
        });
      };
    },
  });
}

export function createDbClient(url: string) {
  return new PrismaClient({
    adapter: postgresAdapter(url),
    omit: omitSecrets,
  });
}

/**
 * A client that reads password hashes and session tokens: only for
 * better-auth (lib/people), which must verify passwords and find sessions by
 * their token. Nothing outside lib/people imports it.
 */
export function createAuthDbClient(url: string): PrismaClient {
  return new PrismaClient({ adapter: postgresAdapter(url) });
}

export type Db = ReturnType<typeof createDbClient>;

declare global {
  // Survive Next.js' module reloads in development, so each edit does not open a new pool.
  var gantryDb: Db | undefined;
  var gantryAuthDb: PrismaClient | undefined;
}

let productionDb: Db | undefined;

export function getDb(): Db {
  const url = databaseUrl();
  if (getConfig().nodeEnv === "production") {
    productionDb ??= createDbClient(url);
    return productionDb;
  }
  globalThis.gantryDb ??= createDbClient(url);
  return globalThis.gantryDb;
}

let productionAuthDb: PrismaClient | undefined;

/** The auth client on DATABASE_URL (see createAuthDbClient): lib/people only. */
export function getAuthDb(): PrismaClient {
  const url = databaseUrl();
  if (getConfig().nodeEnv === "production") {
    productionAuthDb ??= createAuthDbClient(url);
    return productionAuthDb;
  }
  globalThis.gantryAuthDb ??= createAuthDbClient(url);
  return globalThis.gantryAuthDb;
}

function databaseUrl(): string {
  const config = getConfig();
  if (!config.databaseUrl) {
    throw new GantryError(
      "unavailable",
      "No database: DATABASE_URL is not set. Start Gantry with `npm start` (it starts the embedded Postgres and sets it), or set DATABASE_URL.",
      { system: "postgres" },
    );
  }
  return config.databaseUrl;
}

/** Reads in flight, per client and key (see sharedRead). */
const readsInFlight = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * One query for every caller that asks the same thing of the same client
 * while it is in flight: every page asks what the latest import is, how many
 * demo clusters there are and which sources are silent, and 16 readers at
 * once sent the same query 16 times. Nothing is kept once the query has
 * answered, so a caller never reads an answer older than a query in flight
 * when it asked; a failure reaches every caller that shared it.
 */
export function sharedRead<T>(db: object, key: string, read: () => Promise<T>): Promise<T> {
  let forClient = readsInFlight.get(db);
  if (!forClient) {
    forClient = new Map();
    readsInFlight.set(db, forClient);
  }
  const pending = forClient.get(key);
  if (pending) return pending as Promise<T>;
  const started = read().finally(() => forClient.delete(key));
  forClient.set(key, started);
  return started;
}
