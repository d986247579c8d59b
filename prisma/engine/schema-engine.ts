/**
 * Gantry's stand-in for Prisma's native schema engine binary.
 *
 * Prisma's CLI spawns `PRISMA_SCHEMA_ENGINE_BINARY` (set by scripts/prisma.ts
 * to the `schema-engine` shell script next to this file) and talks JSON-RPC
 * 2.0 with it, one message per line on stdin/stdout. This program answers
 * with the WebAssembly build of the same engine (see
 * lib/postgres/schema-engine.ts), so no native download is needed.
 *
 * Invocations the CLI makes (prisma 7.10):
 *   schema-engine --version
 *   schema-engine --datasource '{"url":...}' cli can-connect-to-database|create-database
 *   schema-engine [--datamodels <file>]... [--datasource <json>] [--enabled-preview-features a,b]
 *                 [--extension-types <json>]      (then JSON-RPC on stdin/stdout)
 * stderr carries JSON log lines, which the CLI reads for error messages.
 */
import fs from "node:fs/promises";
import readline from "node:readline";
import type * as Wasm from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";
import { dropDatabase, ensureDatabase } from "../../lib/postgres/database.ts";
import {
  type EngineDatasource,
  type OpenedSchemaEngine,
  openSchemaEngine,
  schemaEngineVersion,
} from "../../lib/postgres/schema-engine.ts";

type Args = {
  datamodels: string[];
  datasource: Partial<EngineDatasource>;
  cliCommand: string | undefined;
  version: boolean;
};

type RpcRequest = { id: number | string; method: string; params: unknown };
type RpcError = { code: number; message: string; data: Record<string, unknown> };

/** Errors the CLI shows as they are (JSON-RPC "server error", as the native engine sends). */
const USER_FACING_ERROR = 4466;

class UsageError extends Error {}

/** A known Prisma error code (P1001, P3005, ...) and its message. */
class CodedError extends Error {
  readonly code: string;
  readonly meta: unknown;

  constructor(code: string, message: string, meta: unknown = {}) {
    super(message);
    this.code = code;
    this.meta = meta;
  }
}

function parseArgs(argv: string[]): Args {
  const args: Args = { datamodels: [], datasource: {}, cliCommand: undefined, version: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--version":
      case "-V":
        args.version = true;
        break;
      case "--datamodels":
      case "-d":
        args.datamodels.push(value());
        break;
      case "--datasource":
        args.datasource = parseDatasource(value());
        break;
      case "--enabled-preview-features":
      case "--extension-types":
        // Postgres needs neither here; accepted so the CLI can pass them.
        value();
        break;
      case "cli":
        args.cliCommand = argv[++i];
        if (!args.cliCommand) throw new UsageError("cli needs a command");
        break;
      default:
        throw new UsageError(`unknown argument ${flag}`);
    }
  }
  return args;
}

function parseDatasource(json: string): Partial<EngineDatasource> {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== "object" || parsed === null) {
    throw new UsageError("--datasource must be a JSON object");
  }
  const url = "url" in parsed && typeof parsed.url === "string" ? parsed.url : undefined;
  const shadowDatabaseUrl =
    "shadowDatabaseUrl" in parsed && typeof parsed.shadowDatabaseUrl === "string"
      ? parsed.shadowDatabaseUrl
      : undefined;
  return { url, shadowDatabaseUrl };
}

// --- stderr logging, in the shape the CLI parses ------------------------------

function logLine(level: "INFO" | "ERROR" | "DEBUG", fields: Record<string, unknown>): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    level,
    fields,
    target: "schema_engine::logger",
  });
}

// --- `cli` subcommands -------------------------------------------------------

async function runCliCommand(command: string, url: string | undefined): Promise<number> {
  try {
    if (!url) throw new UsageError("--datasource with a url is required");
    switch (command) {
      case "can-connect-to-database":
        await canConnect(url);
        break;
      case "create-database":
        await ensureDatabase(url);
        break;
      case "drop-database":
        await dropDatabase(url);
        break;
      default:
        throw new UsageError(`unknown cli command ${command}`);
    }
    return 0;
  } catch (error) {
    const coded = toConnectionError(error, url);
    const fields = coded
      ? { message: coded.message, error_code: coded.code }
      : { message: errorMessage(error) };
    // The CLI skips the first stderr line and parses each following one as JSON.
    process.stderr.write(`schema-engine cli ${command} failed\n${logLine("ERROR", fields)}`);
    return 1;
  }
}

async function canConnect(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Maps a connection failure to the P1xxx error the native engine would report. */
function toConnectionError(error: unknown, url: string | undefined): CodedError | undefined {
  if (!url || !(error instanceof Error)) return undefined;
  const target = new URL(url);
  const where = `${target.hostname}:${target.port || "5432"}`;
  const code = "code" in error ? error.code : undefined;
  if (code === "3D000") {
    const database = decodeURIComponent(target.pathname.slice(1));
    return new CodedError(
      "P1003",
      `Database \`${database}\` does not exist on the database server at \`${where}\`.`,
    );
  }
  if (code === "28P01" || code === "28000") {
    return new CodedError(
      "P1000",
      `Authentication failed against database server at \`${target.hostname}\`, the provided database credentials for \`${decodeURIComponent(target.username)}\` are not valid.`,
    );
  }
  if (
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "ETIMEDOUT" ||
    code === "EHOSTUNREACH" ||
    /timeout/i.test(error.message)
  ) {
    return new CodedError("P1001", `Can't reach database server at \`${where}\``);
  }
  return undefined;
}

// --- JSON-RPC ------------------------------------------------------------------

let printRequests = 0;

/** Asks the CLI to print to its stdout (it answers; the answer needs no handling). */
function print(content: string): void {
  const id = `print-${++printRequests}`;
  process.stdout.write(
    `${JSON.stringify({ jsonrpc: "2.0", id, method: "print", params: { content } })}\n`,
  );
}

async function dispatch(
  opened: OpenedSchemaEngine,
  datasource: Partial<EngineDatasource>,
  method: string,
  params: unknown,
): Promise<unknown> {
  const { engine } = opened;
  // Params come from Prisma's CLI, which speaks this engine's protocol; the
  // engine validates them itself when deserialising.
  switch (method) {
    case "applyMigrations":
      return engine.applyMigrations(params as Wasm.ApplyMigrationsInput);
    case "createMigration": {
      const input = params as Wasm.CreateMigrationInput;
      return withMigrationsSchema(engine, input, () => engine.createMigration(input));
    }
    case "dbExecute":
      return engine.dbExecute(params as Wasm.DbExecuteParams);
    case "debugPanic":
      return engine.debugPanic();
    case "devDiagnostic":
      return engine.devDiagnostic(params as Wasm.DevDiagnosticInput);
    case "diagnoseMigrationHistory":
      return engine.diagnoseMigrationHistory(params as Wasm.DiagnoseMigrationHistoryInput);
    case "diff": {
      // The native engine prints the diff through a `print` request to the
      // CLI and returns no stdout; the wasm engine returns it. Do as the native one.
      const { stdout, ...result } = await engine.diff(params as Wasm.DiffParams);
      if (stdout) print(stdout.replace(/\n$/, ""));
      return { ...result, stdout: null };
    }
    case "ensureConnectionValidity":
      return engine.ensureConnectionValidity(params as Wasm.EnsureConnectionValidityParams);
    case "evaluateDataLoss": {
      const input = params as Wasm.EvaluateDataLossInput;
      return withMigrationsSchema(engine, input, () => engine.evaluateDataLoss(input));
    }
    case "getDatabaseVersion":
    case "version":
      return engine.version((params ?? null) as Wasm.GetDatabaseVersionInput | null);
    case "introspect":
      return engine.introspect(params as Wasm.IntrospectParams);
    case "introspectSql":
      return engine.introspectSql(params as Wasm.IntrospectSqlParams);
    case "markMigrationApplied":
      return engine.markMigrationApplied(params as Wasm.MarkMigrationAppliedInput);
    case "markMigrationRolledBack":
      return engine.markMigrationRolledBack(params as Wasm.MarkMigrationRolledBackInput);
    case "reset":
      return engine.reset(params as Wasm.ResetInput);
    case "schemaPush":
      return engine.schemaPush(params as Wasm.SchemaPushInput);
    case "createDatabase":
      return createDatabase(params, datasource.url);
    default:
      throw new Error(
        `The offline schema engine does not implement "${method}" (see prisma/engine/schema-engine.ts).`,
      );
  }
}

/**
 * The wasm engine's `evaluateDataLoss` and `createMigration` get no shadow
 * database of their own: they read the schema the migrations produce from a
 * cache that `devDiagnostic` / `diagnoseMigrationHistory` fill (those do get
 * the shadow database). `migrate dev` with pending migrations skips that, so
 * fill the cache and try again.
 */
async function withMigrationsSchema<T>(
  engine: Wasm.SchemaEngine,
  input: { migrationsList: Wasm.MigrationList; filters: Wasm.SchemaFilter },
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof Error) || !error.message.includes("shadow DB must be provided"))
      throw error;
  }
  await engine.diagnoseMigrationHistory({
    migrationsList: input.migrationsList,
    filters: input.filters,
    optInToShadowDatabase: true,
  });
  return run();
}

async function createDatabase(params: unknown, configuredUrl: string | undefined) {
  const datasource =
    typeof params === "object" && params !== null && "datasource" in params
      ? params.datasource
      : undefined;
  const url =
    typeof datasource === "object" &&
    datasource !== null &&
    "url" in datasource &&
    typeof datasource.url === "string"
      ? datasource.url
      : configuredUrl;
  if (!url) throw new UsageError("createDatabase needs a connection string");
  await ensureDatabase(url);
  return { databaseName: decodeURIComponent(new URL(url).pathname.slice(1)) };
}

function toRpcError(opened: OpenedSchemaEngine | undefined, error: unknown): RpcError {
  if (error instanceof Error && error.name === "RuntimeError") {
    const message = opened?.lastPanic() ?? error.message;
    return {
      code: USER_FACING_ERROR,
      message,
      data: { is_panic: true, message, error: { message }, backtrace: error.stack ?? null },
    };
  }
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    const meta = "meta" in error ? error.meta : {};
    return userFacing(error.message, error.code, meta);
  }
  return userFacing(opened ? opened.describeError(error) : errorMessage(error));
}

function userFacing(message: string, errorCode?: string, meta: unknown = {}): RpcError {
  return {
    code: USER_FACING_ERROR,
    message: "An error happened. Check the data field for details.",
    data: { is_panic: false, message, meta, ...(errorCode ? { error_code: errorCode } : {}) },
  };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `\n${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

function parseRequest(line: string): RpcRequest | undefined {
  const parsed: unknown = JSON.parse(line);
  if (
    typeof parsed === "object" &&
    parsed !== null &&
    "id" in parsed &&
    (typeof parsed.id === "number" || typeof parsed.id === "string") &&
    "method" in parsed &&
    typeof parsed.method === "string"
  ) {
    return {
      id: parsed.id,
      method: parsed.method,
      params: "params" in parsed ? parsed.params : undefined,
    };
  }
  return undefined;
}

async function serve(args: Args): Promise<void> {
  const datamodels: [string, string][] = await Promise.all(
    args.datamodels.map(
      async (file): Promise<[string, string]> => [file, await fs.readFile(file, "utf8")],
    ),
  );
  let opened: Promise<OpenedSchemaEngine> | undefined;
  const open = () => {
    if (!args.datasource.url) {
      throw new Error(
        "No datasource URL: set DATABASE_URL (prisma.config.ts) or run through `npm run prisma`.",
      );
    }
    opened ??= openSchemaEngine({
      datasource: {
        url: args.datasource.url,
        shadowDatabaseUrl: args.datasource.shadowDatabaseUrl,
      },
      datamodels,
      log: (message) => process.stderr.write(`${logLine("DEBUG", { message })}\n`),
    });
    return opened;
  };

  const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
  // One request at a time, in order, as the native engine does.
  let queue: Promise<void> = Promise.resolve();
  let inFlight: { id: RpcRequest["id"]; engine: OpenedSchemaEngine | undefined } | undefined;

  // A panic inside the engine can surface outside any promise of ours (from a
  // callback into wasm). Answer the request it interrupted with the panic, and
  // stop: the wasm instance is unusable afterwards. Prisma's CLI would treat a
  // silent exit as success (`migrate diff --exit-code` then exits 0).
  process.on("uncaughtException", (error) => {
    const rpcError = toRpcError(inFlight?.engine, error);
    process.stderr.write(`${logLine("ERROR", { message: rpcError.data.message })}\n`);
    if (inFlight) send({ jsonrpc: "2.0", id: inFlight.id, error: rpcError });
    process.stdout.write("", () => process.exit(101));
  });

  const lines = readline.createInterface({
    input: process.stdin,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    let request: RpcRequest | undefined;
    try {
      request = parseRequest(line);
    } catch {
      send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
      return;
    }
    if (!request) return; // a response to a request of ours, or a notification: nothing to do
    const { id, method, params } = request;
    queue = queue.then(async () => {
      inFlight = { id, engine: undefined };
      try {
        inFlight.engine = await open();
        const result = await dispatch(inFlight.engine, args.datasource, method, params);
        send({ jsonrpc: "2.0", id, result: result ?? {} });
      } catch (error) {
        const rpcError = toRpcError(inFlight.engine, error);
        process.stderr.write(`${logLine("ERROR", { message: rpcError.data.message })}\n`);
        send({ jsonrpc: "2.0", id, error: rpcError });
      } finally {
        inFlight = undefined;
      }
    });
  });

  const shutdown = async () => {
    await queue;
    if (opened) await (await opened.catch(() => undefined))?.close();
    // Connection pools inside the engine would keep the process alive.
    process.exit(0);
  };
  lines.on("close", shutdown);
  // The CLI ends stdin and then kills the engine right away.
  process.on("SIGTERM", shutdown);
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`schema-engine: ${errorMessage(error)}\n`);
    return 2;
  }
  if (args.version) {
    process.stdout.write(`schema-engine-cli ${await schemaEngineVersion()}\n`);
    return 0;
  }
  if (args.cliCommand) return runCliCommand(args.cliCommand, args.datasource.url);
  await serve(args);
  return -1;
}

const code = await main();
if (code >= 0) process.exit(code);
