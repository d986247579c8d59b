import type { PrismaClient } from "@/lib/generated/prisma/client";
import { latestImportId } from "./list-applications";

/** A file the latest import could not use for an application, where it went wrong. */
export interface ApplicationProblem {
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

/**
 * What the latest successful import could not read of one application, by
 * file: while there is any, the catalogue keeps the application's rows as
 * the last readable commit left them.
 */
export async function listApplicationProblems(params: {
  db: PrismaClient;
  slug: string;
}): Promise<ApplicationProblem[]> {
  const { db } = params;
  const importId = await latestImportId(db);
  if (!importId) return [];
  return db.importProblem.findMany({
    where: { importId, applicationSlug: params.slug },
    select: { file: true, line: true, column: true, message: true },
    orderBy: { file: "asc" },
  });
}
