import type { PrismaClient } from "@/lib/generated/prisma/client";

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

export interface ImportProblemView {
  applicationSlug: string | null;
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** Recent import runs, newest first, and the problems of the newest finished one. */
export async function listImports(params: { db: PrismaClient; limit?: number }): Promise<{
  runs: ImportRunView[];
  currentProblems: ImportProblemView[];
}> {
  const { db } = params;
  const runs = await db.catalogImport.findMany({
    orderBy: { startedAt: "desc" },
    take: params.limit ?? 20,
    include: { _count: { select: { problems: true } } },
  });
  const latest = runs.find((run) => run.status === "succeeded");
  const currentProblems = latest
    ? await db.importProblem.findMany({
        where: { importId: latest.id },
        orderBy: [{ file: "asc" }, { line: "asc" }],
        select: { applicationSlug: true, file: true, line: true, column: true, message: true },
      })
    : [];
  return {
    runs: runs.map(({ _count, ...run }) => ({
      ...run,
      durationMs: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
      problemCount: _count.problems,
    })),
    currentProblems,
  };
}
