import fs from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type ConnectionInfo,
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from "@prisma/driver-adapter-utils";
import * as wasmBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import pg from "pg";

/**
 * Prisma's schema engine (migrations, diffs, introspection) compiled to
 * WebAssembly, talking to Postgres through `@prisma/adapter-pg`. Prisma's CLI
 * normally downloads a native engine at install time; this needs nothing but
 * the npm packages. `prisma/engine/schema-engine.ts` serves it to the CLI over
 * JSON-RPC; `lib/postgres/migrate.ts` calls it in-process.
 *
 * Two things differ from plain `PrismaPg`:
 * - columns of Postgres' internal one-byte `"char"` type (pg_catalog uses it
 *   for relkind, contype, ...), which adapter-pg rejects, pass through it as
 *   text and reach the engine as characters (see `reportCharAsText`);
 * - a script runs as one multi-statement simple query, as the native engine
 *   does, instead of being split on every `;` (which breaks function bodies).
 * The shadow database gets its own connection pool, and is dropped with
 * `WITH (FORCE)` after that pool is closed.
 */

type SchemaEngine = wasmBindings.SchemaEngine;

export type EngineDatasource = {
  url: string;
  /** A database the engine may wipe; when absent a temporary one is created on the main server. */
  shadowDatabaseUrl?: string | undefined;
};

export type EngineLog = (message: string) => void;

export type OpenedSchemaEngine = {
  engine: SchemaEngine;
  /**
   * The message of an engine error, without its Rust span trace, with the
   * JavaScript error behind it when it came from the driver adapter.
   */
  describeError(error: unknown): string;
  /** The message of the last WebAssembly panic, if one happened. */
  lastPanic(): string | undefined;
  /** Frees the engine and closes its database connections. */
  close(): Promise<void>;
};

const CHAR_OID = 18;
const TEXT_OID = 25;

/** Opens the engine on a datasource. `datamodels` are [path, content] pairs of schema files. */
export async function openSchemaEngine(options: {
  datasource: EngineDatasource;
  datamodels?: [string, string][];
  log?: EngineLog;
}): Promise<OpenedSchemaEngine> {
  const engineClass = await loadWasm();
  const pgFactory = new GantryPgMigrationFactory(options.datasource);
  const factory = bindMigrationAwareSqlAdapterFactory(pgFactory);
  const log = options.log ?? (() => {});
  // `datamodels` must be undefined or non-empty.
  const datamodels = options.datamodels?.length ? options.datamodels : undefined;
  const engine = await engineClass.new({ datamodels }, log, factory);
  return {
    engine,
    describeError: (error) => {
      const cause = adapterErrorBehind(factory.errorRegistry, error);
      const message = engineErrorMessage(error);
      return cause instanceof Error ? `${message}: ${cause.message}` : message;
    },
    lastPanic: () => panics.last,
    close: async () => {
      engine.free();
      await pgFactory.disposeAll();
    },
  };
}

/** The engine commit this wasm build was made from (what `schema-engine --version` prints). */
export async function schemaEngineVersion(): Promise<string> {
  await loadWasm();
  return wasmBindings.version();
}

// --- WebAssembly loading -----------------------------------------------------

/** wasm-bindgen reports panics through this global before throwing a RuntimeError. */
const panics: { last: string | undefined; set_message(message: string): void } = {
  last: undefined,
  set_message(message: string) {
    this.last = message;
  },
};

const LOADED = Symbol.for("gantry.schemaEngine.wasm");
type Loaded = Promise<typeof wasmBindings.SchemaEngine>;

function loadWasm(): Loaded {
  // One instance per process: wasm-bindgen keeps global state in its (shared) bindings
  // module and breaks when instantiated twice. Kept on globalThis, because a test runner
  // may load this file once per project while Node loads the bindings only once.
  const shared = globalThis as typeof globalThis & { [LOADED]?: Loaded };
  shared[LOADED] ??= (async () => {
    Object.assign(globalThis, { PRISMA_WASM_PANIC_REGISTRY: panics });
    const require = createRequire(import.meta.url);
    const bindingsFile = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bytes = await fs.readFile(path.join(path.dirname(bindingsFile), "schema_engine_bg.wasm"));
    const module = await WebAssembly.compile(bytes);
    const imports: WebAssembly.ModuleImports = {};
    for (const [name, value] of Object.entries(wasmBindings)) {
      if (typeof value === "function") imports[name] = value;
    }
    const instance = await WebAssembly.instantiate(module, { "./schema_engine_bg.js": imports });
    wasmBindings.__wbg_set_wasm(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (typeof start !== "function") throw new Error("schema engine wasm: no __wbindgen_start");
    start();
    return wasmBindings.SchemaEngine;
  })();
  return shared[LOADED];
}

/**
 * A JavaScript error thrown inside the adapter reaches the engine as an id in
 * the adapter's error registry, and comes back out as "External error id#N".
 */
function adapterErrorBehind(
  registry: { consumeError(id: number): { error: unknown } | undefined },
  error: unknown,
): unknown {
  const id = /External error id#(\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
  return id === undefined ? undefined : registry.consumeError(Number(id))?.error;
}

/**
 * An engine error's message without the span trace ("   0: schema_commands::...")
 * after it, naming the migration the trace mentions, if any.
 */
export function engineErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const head = (message.split(/\n\s+0: /)[0] ?? message).trim();
  const migration = /migration_name="([^"]+)"/.exec(message)?.[1];
  return migration && !head.includes(migration) ? `${head}\n(migration ${migration})` : head;
}

// --- Driver adapter ------------------------------------------------------------

class GantryPgMigrationFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "@prisma/adapter-pg";
  readonly #datasource: EngineDatasource;
  /** Adapters the engine has not disposed of (yet): closed by `disposeAll`. */
  readonly #open = new Set<ScriptingAdapter>();

  constructor(datasource: EngineDatasource) {
    this.#datasource = datasource;
  }

  connect(): Promise<SqlDriverAdapter> {
    return this.#track(openAdapter(this.#datasource.url));
  }

  async disposeAll(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    await Promise.all(open.map((adapter) => adapter.dispose()));
  }

  async #track(opening: Promise<ScriptingAdapter>): Promise<ScriptingAdapter> {
    const adapter = await opening;
    this.#open.add(adapter);
    adapter.onDispose(() => this.#open.delete(adapter));
    return adapter;
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    if (this.#datasource.shadowDatabaseUrl) {
      return this.#track(openAdapter(this.#datasource.shadowDatabaseUrl));
    }
    // A temporary database next to the main one, as the native engine makes.
    const admin = new pg.Client({ connectionString: this.#datasource.url });
    await admin.connect();
    const name = `prisma_migrate_shadow_db_${crypto.randomUUID()}`;
    try {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    } catch (error) {
      await admin.end();
      throw error;
    }
    const shadowUrl = new URL(this.#datasource.url);
    shadowUrl.pathname = `/${name}`;
    return this.#track(
      openAdapter(shadowUrl.toString(), async () => {
        // Runs after the shadow pool is closed; FORCE ends anything still attached.
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      }),
    );
  }
}

async function openAdapter(
  url: string,
  afterDispose?: () => Promise<void>,
): Promise<ScriptingAdapter> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on("connect", reportCharAsText);
  const inner = await new PrismaPg(pool, { disposeExternalPool: true }).connect();
  return new ScriptingAdapter(inner, pool, afterDispose);
}

/**
 * adapter-pg has no mapping for Postgres' internal one-byte `"char"` type and
 * throws on it, while the engine reads such columns from pg_catalog (contype,
 * relkind, ...) and wants them as characters. In the row description, before
 * pg builds the result, such a column is relabelled as text and its name gets
 * a marker that cannot occur in a Postgres identifier (NUL); `restoreChar`
 * then strips the marker and reports the column as a character.
 */
const CHAR_MARKER = "\u0000char";

function reportCharAsText(client: pg.PoolClient): void {
  client.connection.prependListener("rowDescription", (message: unknown) => {
    if (typeof message !== "object" || message === null || !("fields" in message)) return;
    const fields: unknown = message.fields;
    if (!Array.isArray(fields)) return;
    for (const field of fields as unknown[]) {
      if (
        typeof field === "object" &&
        field !== null &&
        "dataTypeID" in field &&
        field.dataTypeID === CHAR_OID &&
        "name" in field &&
        typeof field.name === "string"
      ) {
        field.dataTypeID = TEXT_OID;
        field.name = `${field.name}${CHAR_MARKER}`;
      }
    }
  });
}

function restoreChar(result: SqlResultSet): SqlResultSet {
  result.columnNames.forEach((name, index) => {
    if (name.endsWith(CHAR_MARKER)) {
      result.columnNames[index] = name.slice(0, -CHAR_MARKER.length);
      result.columnTypes[index] = ColumnTypeEnum.Character;
    }
  });
  return result;
}

/** PrismaPg's adapter, with scripts sent whole (see the module comment). */
class ScriptingAdapter implements SqlDriverAdapter {
  readonly provider = "postgres";
  readonly adapterName: string;
  readonly #inner: SqlDriverAdapter;
  readonly #pool: pg.Pool;
  readonly #afterDispose: (() => Promise<void>) | undefined;
  #disposing: Promise<void> | undefined;
  #onDispose: (() => void) | undefined;

  constructor(inner: SqlDriverAdapter, pool: pg.Pool, afterDispose?: () => Promise<void>) {
    this.adapterName = inner.adapterName;
    this.#inner = inner;
    this.#pool = pool;
    this.#afterDispose = afterDispose;
  }

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return restoreChar(await this.#inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.#inner.executeRaw(query);
  }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    return new CharAwareTransaction(await this.#inner.startTransaction(isolationLevel));
  }

  getConnectionInfo(): ConnectionInfo {
    return this.#inner.getConnectionInfo?.() ?? { supportsRelationJoins: true };
  }

  async executeScript(script: string): Promise<void> {
    try {
      // No parameters, so pg uses the simple protocol: all statements, one implicit transaction.
      await this.#pool.query(script);
    } catch (error) {
      if (error instanceof pg.DatabaseError) {
        throw new DriverAdapterError({
          kind: "postgres",
          code: error.code ?? "N/A",
          severity: error.severity ?? "ERROR",
          message: error.message,
          detail: error.detail,
          column: error.column,
          hint: error.hint,
        });
      }
      throw error;
    }
  }

  onDispose(listener: () => void): void {
    this.#onDispose = listener;
  }

  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      this.#onDispose?.();
      try {
        await this.#inner.dispose();
      } finally {
        await this.#afterDispose?.();
      }
    })();
    return this.#disposing;
  }
}

class CharAwareTransaction implements Transaction {
  readonly provider = "postgres";
  readonly adapterName: string;
  readonly options: Transaction["options"];
  readonly #inner: Transaction;

  constructor(inner: Transaction) {
    this.adapterName = inner.adapterName;
    this.options = inner.options;
    this.#inner = inner;
  }

  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    return restoreChar(await this.#inner.queryRaw(query));
  }

  executeRaw(query: SqlQuery): Promise<number> {
    return this.#inner.executeRaw(query);
  }

  commit(): Promise<void> {
    return this.#inner.commit();
  }

  rollback(): Promise<void> {
    return this.#inner.rollback();
  }

  async createSavepoint(name: string): Promise<void> {
    await this.#savepoint("createSavepoint", name);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    await this.#savepoint("rollbackToSavepoint", name);
  }

  async releaseSavepoint(name: string): Promise<void> {
    await this.#savepoint("releaseSavepoint", name);
  }

  async #savepoint(
    method: "createSavepoint" | "rollbackToSavepoint" | "releaseSavepoint",
    name: string,
  ): Promise<void> {
    const run = this.#inner[method];
    if (!run) throw new Error(`The transaction does not support ${method}`);
    await run.call(this.#inner, name);
  }
}
