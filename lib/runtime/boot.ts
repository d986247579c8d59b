/*
 * lib/runtime owns the wiring: database, repository, import, sign-in and job runner at boot, and
 * the contexts the web process hands to the domain.
 */

import { analyzeAfterLargeImport } from "@/lib/catalogue/analyze-after-import";
import { type ImportResult, importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { GantryConfig } from "@/lib/config";
import { createDbClient } from "@/lib/db";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { createGitProvider } from "@/lib/git";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { resolveAuthSecret } from "@/lib/people/auth-secret";
import { type BootstrapResult, bootstrapAdmin } from "@/lib/people/bootstrap-admin";
import { startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";

export type Progress = (message: string) => void;

export interface OpenDatabase {
  url: string;
  /** True when Gantry runs its own Postgres (no DATABASE_URL). */
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * The database Gantry runs on: DATABASE_URL when set, otherwise the embedded
 * Postgres under the data directory (started, or reused when another Gantry
 * process already runs it). Migrations are applied before it is returned.
 */
export async function openDatabase(
  config: GantryConfig,
  progress: Progress,
  options: { quiet?: boolean } = {},
): Promise<OpenDatabase> {
  // Quiet (commands): only what changed is said, not the routine steps.
  const say = options.quiet ? () => {} : progress;
  let opened: OpenDatabase;
  if (config.databaseUrl) {
    say("using the Postgres at DATABASE_URL");
    opened = { url: config.databaseUrl, embedded: false, stop: async () => {} };
  } else {
    say(
      `starting embedded Postgres (data in ${config.dataDir}/postgres, port ${config.embeddedPostgresPort})`,
    );
    const postgres = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
    });
    opened = { url: postgres.url, embedded: true, stop: () => postgres.stop() };
  }
  say("applying database migrations");
  try {
    const applied = await applyMigrations(opened.url);
    if (applied.length > 0) progress(`applied ${applied.length} migration(s)`);
    else say("database schema is up to date");
  } catch (error) {
    await opened.stop();
    throw error;
  }
  return opened;
}

/** Creates and seeds the local GitOps repository on first start (a no-op afterwards, or with GitHub). */
export async function prepareGitopsRepository(
  config: GantryConfig,
  progress: Progress,
): Promise<void> {
  if (config.git.provider !== "local") return;
  const result = await ensureLocalRepository({
    dataDir: config.dataDir,
    repository: config.git.repository,
    branch: config.git.branch,
    seed: config.demo.seed
      ? demoRepositorySeed({ apps: config.demo.apps, soakSeconds: config.demo.soakSeconds })
      : null,
    onProgress: progress,
  });
  if (result.created) progress(`created the local GitOps repository "${config.git.repository}"`);
}

/**
 * Imports the catalogue from the GitOps repository's default branch: nothing
 * when its head was imported already with these settings (a restart), and
 * otherwise only what changed since the imported commit.
 */
export async function importAtStart(
  config: GantryConfig,
  databaseUrl: string,
  progress: Progress,
): Promise<ImportResult> {
  const db = createDbClient(databaseUrl);
  try {
    const result = await importCatalogue({
      db,
      git: createGitProvider(config),
      versionPath: config.git.versionPath,
      layoutFile: config.git.layoutFile,
      trigger: "start",
      onProgress: (message) => progress(`import: ${message}`),
    });
    if (result.mode === "unchanged") {
      progress(`import: ${result.commit.slice(0, 12)} is imported already; nothing to import`);
      return result;
    }
    await analyzeAfterLargeImport({ db, result });
    progress(
      `import: ${result.appsSeen} applications at ${result.commit.slice(0, 12)} (${result.appsCreated} new, ${result.appsUpdated} changed, ${result.appsArchived} archived, ${result.problems} problem(s)) in ${(result.durationMs / 1000).toFixed(1)} s`,
    );
    return result;
  } finally {
    await db.$disconnect();
  }
}

/** True once an import has succeeded: the catalogue is there, a new import only refreshes it. */
export async function hasImportedCatalogue(databaseUrl: string): Promise<boolean> {
  const db = createDbClient(databaseUrl);
  try {
    return (await db.catalogImport.count({ where: { status: "succeeded" }, take: 1 })) > 0;
  } finally {
    await db.$disconnect();
  }
}

/**
 * Sign-in at start: the secret that signs session cookies (GANTRY_AUTH_SECRET,
 * or the embedded default's generated one; an external database without it
 * stops the start, naming the variable) and, when there are no people yet,
 * the first admin.
 */
export async function prepareAuth(
  config: GantryConfig,
  database: Pick<OpenDatabase, "url" | "embedded">,
  progress: Progress,
): Promise<{ secret: string; admin: BootstrapResult }> {
  const secret = resolveAuthSecret({ config, embedded: database.embedded });
  const db = createDbClient(database.url);
  try {
    const admin = await bootstrapAdmin({ db, config });
    if (admin.created) progress(`created the first admin, ${admin.email}`);
    return { secret, admin };
  } finally {
    await db.$disconnect();
  }
}
