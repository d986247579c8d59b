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
import { readGitopsRepo } from "./read-gitops-repo";
import { writeSnapshot } from "./write-snapshot";
import {
  changesSince,
  fingerprintSnapshot,
  type ImportMemory,
  sharedImportMemory,
} from "./written-catalogue";

export interface ImportResult {
  /** The run that wrote the catalogue; when `mode` is "unchanged", the earlier run that is still current. */
  importId: string;
  /**
   * full: every application compared with the repository; incremental: only
   * those whose files changed since the previous import; unchanged: the head
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
export function importSettings(versionPath: string, layoutFile: string | undefined): string {
  return JSON.stringify({ versionPath, layoutFile: layoutFile ?? LAYOUT_FILE });
}

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
 * is not imported again; otherwise every file is listed, only files whose
 * blob was not parsed before are read and parsed, and only applications that
 * differ from the catalogue this process last wrote are written. `full`
 * forgets all that: every file read and every row compared, the same result.
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
  /** What earlier imports in this process kept; the process's own when not given. */
  memory?: ImportMemory;
  onProgress?: (message: string) => void;
}): Promise<ImportResult> {
  const { db, git, versionPath, trigger } = params;
  const ref = params.ref ?? git.defaultBranch;
  const progress = params.onProgress ?? (() => {});
  const memory = params.memory ?? sharedImportMemory;
  const settings = importSettings(versionPath, params.layoutFile);
  if (params.full) {
    memory.parses.clear();
    memory.written = null;
  } else {
    const current = await currentImport({ db, git, ref, settings });
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
    const commit = await git.resolveRef(ref);
    progress(`reading ${git.repository}@${commit.slice(0, 12)}`);
    const snapshot = await readGitopsRepo({
      git,
      commit,
      versionPath,
      layoutFile: params.layoutFile,
      cache: memory.parses,
      onProgress: progress,
    });
    progress(
      `writing ${snapshot.applications.length} applications, ${snapshot.environments.length} environments`,
    );
    let finishedAt = new Date();
    const { counts, mode, written } = await db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('gantry:catalog-import'))`;
        // What this process wrote last describes the stored catalogue only while it is the latest import.
        const latest = await tx.catalogImport.findFirst({
          where: { status: "succeeded" },
          orderBy: { finishedAt: "desc" },
          select: { id: true },
        });
        const previous =
          memory.written &&
          memory.written.importId === latest?.id &&
          memory.written.settings === settings
            ? memory.written
            : null;
        const next = fingerprintSnapshot({ importId: run.id, settings, snapshot, previous });
        const mode = previous ? "incremental" : "full";
        const counts = await writeSnapshot(
          tx,
          snapshot,
          previous ? changesSince(previous, next, snapshot) : undefined,
        );
        await tx.importProblem.createMany({
          data: snapshot.problems.map((problem) => ({ ...problem, importId: run.id })),
        });
        finishedAt = new Date();
        await tx.catalogImport.update({
          where: { id: run.id },
          data: { status: "succeeded", commit, finishedAt, mode, ...counts },
        });
        await recordAuditEvent(tx, {
          actor: GANTRY_ACTOR,
          action: "import.succeeded",
          target: { type: "import", id: run.id },
          detail: { trigger, ref, commit, mode, ...counts, problems: snapshot.problems.length },
        });
        return { counts, mode, written: next } as const;
      },
      { maxWait: 60_000, timeout: 300_000 },
    );
    memory.written = written;
    const durationMs = tookMs(finishedAt);
    observe("succeeded", durationMs);
    return {
      importId: run.id,
      mode,
      commit,
      ...counts,
      problems: snapshot.problems.length,
      durationMs,
    };
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
 * import that follows records that failure.
 */
async function currentImport(params: {
  db: PrismaClient;
  git: GitReader;
  ref: string;
  settings: string;
}): Promise<ImportResult | null> {
  const { db } = params;
  const latest = await db.catalogImport.findFirst({
    where: { status: "succeeded" },
    orderBy: { finishedAt: "desc" },
    select: { id: true, commit: true, settings: true, appsSeen: true },
  });
  if (!latest?.commit || latest.settings !== params.settings) return null;
  const head = await params.git.resolveRef(params.ref).catch(() => null);
  if (head !== latest.commit) return null;
  return {
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
}

/** The stored reason of a failed import: our own messages are safe to keep; anything else only by its log id. */
function describeFailure(error: unknown): string {
  if (isGantryError(error)) return error.message;
  const errorId = logUnexpected(error, { during: "catalogue import" });
  return `unexpected error during import (error id ${errorId} in the server log)`;
}
