import type { PrismaClient } from "@/lib/generated/prisma/client";

export interface Overview {
  applications: number;
  archivedApplications: number;
  applicationsDiffering: number;
  teams: { slug: string; name: string; applications: number }[];
  environments: {
    name: string;
    displayName: string;
    clusters: { name: string; region: string | null }[];
    applications: number;
  }[];
  lastImport: {
    status: string;
    commit: string | null;
    startedAt: Date;
    finishedAt: Date | null;
    problems: number;
    error: string | null;
  } | null;
}

/** The numbers on the front page, in a few aggregate queries. */
export async function getOverview(params: { db: PrismaClient }): Promise<Overview> {
  const { db } = params;
  const [
    applications,
    archivedApplications,
    applicationsDiffering,
    teams,
    environments,
    lastImport,
  ] = await Promise.all([
    db.application.count({ where: { archivedAt: null } }),
    db.application.count({ where: { archivedAt: { not: null } } }),
    db.application.count({ where: { archivedAt: null, versionsDiffer: true } }),
    db.$queryRaw<{ slug: string; name: string; applications: bigint }[]>`
        SELECT t."slug", t."name", count(a."id") AS applications
        FROM "Team" t JOIN "Application" a ON a."teamId" = t."id" AND a."archivedAt" IS NULL
        GROUP BY t."id" ORDER BY applications DESC, t."slug"`,
    db.environment.findMany({
      where: { archivedAt: null },
      orderBy: { position: "asc" },
      select: {
        name: true,
        displayName: true,
        clusters: {
          where: { archivedAt: null },
          select: { name: true, region: true },
          orderBy: { name: "asc" },
        },
        _count: {
          select: { targets: { where: { archivedAt: null, application: { archivedAt: null } } } },
        },
      },
    }),
    db.catalogImport.findFirst({
      orderBy: { startedAt: "desc" },
      select: {
        status: true,
        commit: true,
        startedAt: true,
        finishedAt: true,
        error: true,
        _count: { select: { problems: true } },
      },
    }),
  ]);
  return {
    applications,
    archivedApplications,
    applicationsDiffering,
    teams: teams.map((t) => ({ ...t, applications: Number(t.applications) })),
    environments: environments.map((e) => ({
      name: e.name,
      displayName: e.displayName,
      clusters: e.clusters,
      applications: e._count.targets,
    })),
    lastImport: lastImport
      ? {
          status: lastImport.status,
          commit: lastImport.commit,
          startedAt: lastImport.startedAt,
          finishedAt: lastImport.finishedAt,
          problems: lastImport._count.problems,
          error: lastImport.error,
        }
      : null,
  };
}
