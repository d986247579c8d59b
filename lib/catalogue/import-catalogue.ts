/*
 * lib/catalogue owns the catalogue: applications, environments and teams imported from the GitOps
 * repository, and the queries pages read them with.
 */

import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { LAYOUT_FILE } from "@/lib/gitops-repo/layout-file";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { logUnexpected } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { importCommit } from "./import-commit";
import { ParseCache } from "./parse-cache";

export interface ImportResult {
  /** The run that wrote the catalogue; when `mode` is "unchanged", the earlier run that is still current. */
  importId: string;
  /**
   * full: every application compared with the repository; incremental: only
   * those whose files changed since the previous import's commit; unchanged: the head
   * was already imported with the same settings, and nothing was read.
   */
  mode: "full" | "incremental" | "unchanged";
  commit: string;
  appsSeen: number;
  appsCreated: number;
  appsUpdated: number;
  appsArchived: number;
  problems: number;
  /** From the run's start to its end as stored (finishedAt - startedAt). */
  durationMs: number;
}

/** Imports with other settings read the repository differently: they reuse nothing of each other. */
function importSettings(versionPath: string, layoutFile: string | undefined): string {
  return JSON.stringify({ versionPath, layoutFile: layoutFile ?? LAYOUT_FILE });
}

/**
 * Texts of an adopted repository's files by blob id, kept between imports in
 * this process: its rules are read whole, and an unchanged file need not be
 * read from Git again. Bounded; a convention repository keeps nothing here.
 */
const adoptedTexts = new ParseCache(16 * 1024 * 1024);

/**
 * Imports the GitOps repository at `ref` into the catalogue.
 *
 * The import run is recorded first, so a crash leaves a visible "running"
 * row rather than nothing; the catalogue itself is written in one
 * transaction, so it is either the old catalogue or the new one, never half
 * of each. Files that cannot be read become located problems and do not
 * stop the rest of the import. Concurrent imports queue on an advisory lock.
 *
 * Incremental unless `full`: a head already imported with the same settings
 * is not imported again; otherwise the new head is diffed against the
 * latest import's commit and only the applications whose files changed are
 * read and written (import-commit.ts), starting from what that import
 * recorded in Postgres, so a restarted process imports incrementally too.
 * `full` trusts nothing stored: every file read and every row compared, the
 * same result.
 */
export async function importCatalogue(params: {
  db: PrismaClient;
  git: GitReader;
  ref?: string;
  versionPath: string;
  /** The layout file (GANTRY_LAYOUT_FILE); gantry.yaml when not given. */
  layoutFile?: string;
  trigger: "start" | "cli" | "manual" | "webhook" | "test" | "bench";
  full?: boolean;
  onProgress?: (message: string) => void;
}): Promise<ImportResult> {
  const { db, git, versionPath, trigger } = params;
  const ref = params.ref ?? git.defaultBranch;
  const progress = params.onProgress ?? (() => {});
  const settings = importSettings(versionPath, params.layoutFile);
  // The head, when the check below resolved it: a Git host's call not made twice.
  let head: string | null = null;
  if (params.full) {
    adoptedTexts.clear();
  } else {
    const { current, resolved } = await currentImport({ db, git, ref, settings });
    head = resolved;
    if (current) {
      progress(`${git.repository}@${current.commit.slice(0, 12)} is imported already`);
      return current;
    }
  }
  const run = await db.catalogImport.create({
    data: { repository: git.repository, ref, trigger, settings },
    select: { id: true, startedAt: true },
  });
  const tookMs = (finishedAt: Date) => Math.max(0, finishedAt.getTime() - run.startedAt.getTime());
  const observe = (status: "succeeded" | "failed", ms: number) =>
    metrics().importDuration.observe({ trigger, status }, ms / 1000);
  try {
    const commit = head ?? (await git.resolveRef(ref));
    progress(`reading ${git.repository}@${commit.slice(0, 12)}`);
    let finishedAt = new Date();
    const imported = await db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('gantry:catalog-import'))`;
        // What the latest import recorded describes the stored catalogue; an older one does not.
        const latest = await tx.catalogImport.findFirst({
          where: { status: "succeeded" },
          orderBy: { finishedAt: "desc" },
          select: { id: true, commit: true, settings: true, appsRecorded: true },
        });
        const base =
          !params.full && latest?.appsRecorded && latest.commit && latest.settings === settings
            ? { id: latest.id, commit: latest.commit }
            : null;
        const imported = await importCommit(tx, {
          git,
          commit,
          versionPath,
          layoutFile: params.layoutFile ?? LAYOUT_FILE,
          importId: run.id,
          base,
          cache: adoptedTexts,
          progress,
        });
        const { mode, problems, discovery, ...counts } = imported;
        finishedAt = new Date();
        await tx.catalogImport.update({
          where: { id: run.id },
          data: {
            status: "succeeded",
            commit,
            finishedAt,
            mode,
            appsRecorded: true,
            discovery,
            ...counts,
          },
        });
        await recordAuditEvent(tx, {
          actor: GANTRY_ACTOR,
          action: "import.succeeded",
          target: { type: "import", id: run.id },
          detail: { trigger, ref, commit, mode, ...counts, problems },
        });
        return imported;
      },
      // A full read of a large fleet happens inside (a slice at a time, to bound memory): at
      // 50,000 apps on a busy machine that is minutes, not seconds.
      { maxWait: 60_000, timeout: 30 * 60_000 },
    );
    const durationMs = tookMs(finishedAt);
    observe("succeeded", durationMs);
    const { mode, problems, discovery: _discovery, ...counts } = imported;
    return { importId: run.id, mode, commit, ...counts, problems, durationMs };
  } catch (error) {
    const reason = describeFailure(error);
    const failedAt = new Date();
    observe("failed", tookMs(failedAt));
    await db.$transaction(async (tx) => {
      await tx.catalogImport.update({
        where: { id: run.id },
        data: { status: "failed", finishedAt: failedAt, error: reason },
      });
      await recordAuditEvent(tx, {
        actor: GANTRY_ACTOR,
        action: "import.failed",
        outcome: "failure",
        target: { type: "import", id: run.id },
        detail: { trigger, ref, reason: reason.slice(0, 500) },
      });
    });
    throw error;
  }
}

/**
 * The latest import, when it is of `ref`'s head with the same settings: then
 * the catalogue is current and a restart (or a second job for one push) has
 * nothing to do. Null otherwise, also when the ref cannot be resolved: the
 * import that follows records that failure. `resolved` is the head found,
 * which the import then reads (on GitHub, one call fewer).
 */
async function currentImport(params: {
  db: PrismaClient;
  git: GitReader;
  ref: string;
  settings: string;
}): Promise<{ current: ImportResult | null; resolved: string | null }> {
  const { db } = params;
  const latest = await db.catalogImport.findFirst({
    where: { status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { id: true, commit: true, settings: true, appsSeen: true },
  });
  if (!latest?.commit || latest.settings !== params.settings) {
    return { current: null, resolved: null };
  }
  const head = await params.git.resolveRef(params.ref).catch(() => null);
  if (head !== latest.commit) return { current: null, resolved: head };
  const current: ImportResult = {
    importId: latest.id,
    mode: "unchanged",
    commit: head,
    appsSeen: latest.appsSeen,
    appsCreated: 0,
    appsUpdated: 0,
    appsArchived: 0,
    problems: await db.importProblem.count({ where: { importId: latest.id } }),
    durationMs: 0,
  };
  return { current, resolved: head };
}

/** The stored reason of a failed import: our own messages are safe to keep; anything else only by its log id. */
function describeFailure(error: unknown): string {
  if (isGantryError(error)) return error.message;
  const errorId = logUnexpected(error, { during: "catalogue import" });
  return `unexpected error during import (error id ${errorId} in the server log)`;
}
