/**
 * The one-shot steps of `npm start`, in a process of their own that scripts/start.ts forks
 * and that exits when they are done: database migrations, sign-in (the cookie secret and
 * the first admin), the GitOps repository (the demo seed on a first start) and the catalogue
 * import. Run here, the code they need (the migration engine, the demo generator, the
 * import) and everything they allocate are never part of the server process, which loads
 * the application once, from the Next.js bundle. Not a command of its own: it speaks to its
 * parent over the IPC channel (StepMessage) and prints its step lines on the shared stdout.
 *
 * Stop signals are the parent's to act on: a stop waits for this process (an import still
 * refreshing the catalogue finishes before its database goes).
 */
import fs from "node:fs";
import path from "node:path";
import { dropOutputWhenReaderGoes } from "@/lib/runtime/closed-output";
import { stepLine } from "@/lib/runtime/start-report";

/** What this process tells scripts/start.ts, in this order (or `failed` at any point). */
export type StepMessage =
  | {
      kind: "auth";
      secret: string;
      /** The first admin's one-time password, on the start that made it (also in `file`). */
      firstAdmin: { email: string; password: string; file: string } | undefined;
    }
  | { kind: "importedBefore"; value: boolean }
  | { kind: "imported" }
  | { kind: "failed"; message: string; configuration: boolean };

/** What scripts/start.ts tells this process: the database, once it runs. */
export type DatabaseMessage = { kind: "database"; url: string; embedded: boolean };

const started = Number(process.env.GANTRY_START_STARTED_MS ?? Date.now());
let importing = false;

dropOutputWhenReaderGoes();
// The steps may wait only on unref'd timers (a Git host's retry backoff): without this, Node
// would end the process mid-step (exit 13, "unsettled top-level await"). process.exit ends it.
setInterval(() => {}, 60_000);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => {});
// The parent stopping before the import began: nothing here is worth finishing.
process.on("disconnect", () => {
  if (!importing) process.exit(1);
});

function isDatabaseMessage(value: unknown): value is DatabaseMessage {
  if (typeof value !== "object" || value === null) return false;
  const fields: { kind?: unknown; url?: unknown; embedded?: unknown } = value;
  return (
    fields.kind === "database" &&
    typeof fields.url === "string" &&
    typeof fields.embedded === "boolean"
  );
}

const databaseOpened = new Promise<DatabaseMessage>((resolve) => {
  const listen = (value: unknown) => {
    if (!isDatabaseMessage(value)) return;
    process.off("message", listen);
    resolve(value);
  };
  process.on("message", listen);
});

function send(message: StepMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

function progress(message: string): void {
  process.stdout.write(stepLine({ elapsedMs: Date.now() - started, mark: "…", text: message }));
}

async function step<T>(name: string, run: () => Promise<T>, done: (r: T) => string): Promise<T> {
  const begun = Date.now();
  try {
    const result = await run();
    const elapsedMs = Date.now() - started;
    process.stdout.write(
      stepLine({ elapsedMs, mark: "✓", text: done(result), tookMs: Date.now() - begun }),
    );
    return result;
  } catch (error) {
    process.stdout.write(stepLine({ elapsedMs: Date.now() - started, mark: "✘", text: name }));
    throw error;
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

try {
  const [{ getConfig, ConfigError }, boot, { applyMigrations }, { FIRST_ADMIN_PASSWORD_FILE }] =
    await Promise.all([
      import("@/lib/config"),
      import("@/lib/runtime/boot"),
      import("@/lib/postgres/migrate"),
      import("@/lib/people/bootstrap-admin"),
    ]);
  const config = getConfig();
  const repository = step(
    "GitOps repository",
    () => boot.prepareGitopsRepository(config, progress),
    () => `GitOps repository ready (${config.git.provider})`,
  );
  repository.catch(() => {});

  const { url: databaseUrl, embedded } = await databaseOpened;
  await step(
    "database migrations",
    () => applyMigrations(databaseUrl),
    (applied) =>
      applied.length > 0
        ? `database ready: applied ${applied.length} migration(s)`
        : "database ready: schema is up to date",
  );
  try {
    const auth = await boot.prepareAuth(config, { url: databaseUrl, embedded }, progress);
    const admin = auth.admin;
    let firstAdmin: { email: string; password: string; file: string } | undefined;
    if (admin.created && admin.generated) {
      // Shown once, in plain text (never in the JSON log), and kept in a 0600 file until deleted.
      const file = path.join(config.dataDir, FIRST_ADMIN_PASSWORD_FILE);
      fs.writeFileSync(file, `${admin.password}\n`, { mode: 0o600 });
      fs.chmodSync(file, 0o600);
      firstAdmin = { email: admin.email, password: admin.password, file };
    }
    await send({ kind: "auth", secret: auth.secret, firstAdmin });
  } catch (error) {
    await send({
      kind: "failed",
      message: `sign-in could not be prepared: ${message(error)}`,
      configuration: error instanceof ConfigError,
    });
    process.exit(1);
  }

  await send({
    kind: "importedBefore",
    value: await boot.hasImportedCatalogue(databaseUrl).catch(() => false),
  });
  try {
    await repository;
    if (config.importOnStart) {
      importing = true;
      await step(
        "catalogue import",
        () => boot.importAtStart(config, databaseUrl, () => {}),
        (result) =>
          result.mode === "unchanged"
            ? `catalogue current: ${result.commit.slice(0, 12)} was imported already (${result.appsSeen} applications)`
            : `catalogue imported: ${result.appsSeen} applications (${result.appsCreated} new, ${result.appsUpdated} changed, ${result.problems} problem(s))`,
      );
    }
  } catch (error) {
    // The portal still starts: the failed import is recorded and shown on /imports.
    progress(`import failed: ${message(error)}`);
  }
  await send({ kind: "imported" });
  process.exit(0);
} catch (error) {
  await send({ kind: "failed", message: message(error), configuration: false });
  process.exit(1);
}
