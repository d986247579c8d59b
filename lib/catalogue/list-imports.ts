import { z } from "zod";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { DiscoverySummary } from "./discovery-summary";

export interface ImportRunView {
  id: string;
  repository: string;
  ref: string;
  commit: string | null;
  status: string;
  trigger: string;
  startedAt: Date;
  finishedAt: Date | null;
  /** How long the run took; null while it runs. */
  durationMs: number | null;
  appsSeen: number;
  appsCreated: number;
  appsUpdated: number;
  appsArchived: number;
  error: string | null;
  problemCount: number;
}

/** Recent import runs, newest first (the last one's skipped files: get-import-report.ts). */
export async function listImports(params: { db: PrismaClient; limit?: number }): Promise<{
  runs: ImportRunView[];
}> {
  const runs = await params.db.catalogImport.findMany({
    orderBy: { startedAt: "desc" },
    take: params.limit ?? 20,
    include: { _count: { select: { problems: true } } },
  });
  return {
    runs: runs.map(({ _count, ...run }) => ({
      ...run,
      durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
      problemCount: _count.problems,
    })),
  };
}

/** GET /api/v1/imports' query: how many runs, optionally of one status. Unknown keys are refused. */
export const ImportsQuery = z.strictObject(
  {
    limit: z.coerce
      .number({ error: "must be a number from 1 to 100" })
      .int("must be a whole number")
      .min(1, "must be a number from 1 to 100")
      .max(100, "must be a number from 1 to 100")
      .default(20),
    status: z
      .enum(["running", "succeeded", "failed"], { error: "must be running, succeeded or failed" })
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown parameter ${issue.keys.join(", ")}; the parameters are limit and status`
        : undefined,
  },
);

/** At most this many problems per run in one answer; `problemsTruncated` says when there were more. */
const MAX_PROBLEMS_PER_RUN = 1000;

export interface ImportRunReport {
  id: string;
  repository: string;
  ref: string;
  commit: string | null;
  status: string;
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  counts: {
    appsSeen: number;
    appsCreated: number;
    appsUpdated: number;
    appsArchived: number;
    problems: number;
  };
  /** Why the whole run failed. */
  error: string | null;
  /**
   * What the discovery rules found: the layout file and each rule's apps and
   * cells; null for a run that failed, is running, or predates the record.
   */
  discovery: DiscoverySummary | null;
  /** The files the run skipped, each with why: what `layout check` lists as skipped. */
  problems: {
    app: string | null;
    file: string;
    line: number | null;
    column: number | null;
    reason: string;
  }[];
  problemsTruncated: boolean;
}

/**
 * Import runs for machines, newest first, each with every problem (file,
 * line, reason): whether an import worked, without reading HTML or the audit log.
 */
export async function listImportRuns(params: {
  db: PrismaClient;
  query: z.output<typeof ImportsQuery>;
}): Promise<{ imports: ImportRunReport[] }> {
  const { db, query } = params;
  const runs = await db.catalogImport.findMany({
    where: query.status ? { status: query.status } : {},
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: query.limit,
    include: { _count: { select: { problems: true } } },
  });
  const problems = await Promise.all(
    runs.map((run) =>
      db.importProblem.findMany({
        where: { importId: run.id },
        orderBy: [{ file: "asc" }, { line: "asc" }, { id: "asc" }],
        take: MAX_PROBLEMS_PER_RUN,
        select: { applicationSlug: true, file: true, line: true, column: true, message: true },
      }),
    ),
  );
  return {
    imports: runs.map((run, index) => ({
      id: run.id,
      repository: run.repository,
      ref: run.ref,
      commit: run.commit,
      status: run.status,
      trigger: run.trigger,
      startedAt: run.startedAt.toISOString(),
      finishedAt: run.finishedAt?.toISOString() ?? null,
      counts: {
        appsSeen: run.appsSeen,
        appsCreated: run.appsCreated,
        appsUpdated: run.appsUpdated,
        appsArchived: run.appsArchived,
        problems: run._count.problems,
      },
      error: run.error,
      discovery: DiscoverySummary.safeParse(run.discovery).data ?? null,
      problems: (problems[index] ?? []).map((p) => ({
        app: p.applicationSlug,
        file: p.file,
        line: p.line,
        column: p.column,
        reason: p.message,
      })),
      problemsTruncated: run._count.problems > MAX_PROBLEMS_PER_RUN,
    })),
  };
}
