/*
 * lib/catalogue owns the catalogue: applications, environments and teams imported from the GitOps
 * repository, and the queries pages read them with.
 */

import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { logUnexpected } from "@/lib/log";
import { metrics } from "@/lib/metrics";
import { readGitopsRepo } from "./read-gitops-repo";
import { writeSnapshot } from "./write-snapshot";

export interface ImportResult {
  importId: string;
  commit: string;
  appsSeen: number;
  appsCreated: number;
  appsUpdated: number;
  appsArchived: number;
  problems: number;
  /** From the run's start to its end as stored (finishedAt - startedAt). */
  durationMs: number;
}

/**
 * Imports the GitOps repository at `ref` into the catalogue.
 *
 * The import run is recorded first, so a crash leaves a visible "running"
 * row rather than nothing; the catalogue itself is written in one
 * transaction, so it is either the old catalogue or the new one, never half
 * of each. Files that cannot be read become located problems and do not
 * stop the rest of the import. Concurrent imports queue on an advisory lock.
 */
export async function importCatalogue(params: {
  db: PrismaClient;
  git: GitReader;
  ref?: string;
  versionPath: string;
  /** The layout file (GANTRY_LAYOUT_FILE); gantry.yaml when not given. */
  layoutFile?: string;
  trigger: "start" | "cli" | "manual" | "webhook" | "test" | "bench";
  onProgress?: (message: string) => void;
}): Promise<ImportResult> {
  const { db, git, versionPath, trigger } = params;
  const ref = params.ref ?? git.defaultBranch;
  const progress = params.onProgress ?? (() => {});
  const run = await db.catalogImport.create({
    data: { repository: git.repository, ref, trigger },
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
      onProgress: progress,
    });
    progress(
      `writing ${snapshot.applications.length} applications, ${snapshot.environments.length} environments`,
    );
    let finishedAt = new Date();
    const counts = await db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('gantry:catalog-import'))`;
        const written = await writeSnapshot(tx, snapshot);
        await tx.importProblem.createMany({
          data: snapshot.problems.map((problem) => ({ ...problem, importId: run.id })),
        });
        finishedAt = new Date();
        await tx.catalogImport.update({
          where: { id: run.id },
          data: { status: "succeeded", commit, finishedAt, ...written },
        });
        await recordAuditEvent(tx, {
          actor: GANTRY_ACTOR,
          action: "import.succeeded",
          target: { type: "import", id: run.id },
          detail: { trigger, ref, commit, ...written, problems: snapshot.problems.length },
        });
        return written;
      },
      { maxWait: 60_000, timeout: 300_000 },
    );
    const durationMs = tookMs(finishedAt);
    observe("succeeded", durationMs);
    return {
      importId: run.id,
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

/** The stored reason of a failed import: our own messages are safe to keep; anything else only by its log id. */
function describeFailure(error: unknown): string {
  if (isGantryError(error)) return error.message;
  const errorId = logUnexpected(error, { during: "catalogue import" });
  return `unexpected error during import (error id ${errorId} in the server log)`;
}
