import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import type { CatalogueQuery } from "./catalogue-query";

export interface CatalogueEnvironment {
  id: string;
  name: string;
  displayName: string;
}

export interface CatalogueRow {
  slug: string;
  name: string;
  team: { slug: string; name: string };
  tier: string;
  archived: boolean;
  versionsDiffer: boolean;
  /** Desired version per environment name; absent when the app is not deployed there. */
  versions: Record<string, string | null>;
}

export interface CataloguePage {
  environments: CatalogueEnvironment[];
  rows: CatalogueRow[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
}

/**
 * One page of the catalogue: the version matrix rows for the filter in
 * `query`. Only the page is read (count + one page of apps + their targets),
 * so the cost does not grow with the size of the fleet beyond the count.
 */
export async function listApplications(params: {
  db: PrismaClient;
  query: CatalogueQuery;
}): Promise<CataloguePage> {
  const { db, query } = params;
  const where = catalogueWhere(query);
  const [environments, total] = await Promise.all([
    db.environment.findMany({
      where: { archivedAt: null },
      orderBy: { position: "asc" },
      select: { id: true, name: true, displayName: true },
    }),
    db.application.count({ where }),
  ]);
  const pageCount = Math.max(1, Math.ceil(total / query.size));
  const page = Math.min(query.page, pageCount);
  const applications = await db.application.findMany({
    where,
    orderBy: catalogueOrder(query),
    skip: (page - 1) * query.size,
    take: query.size,
    select: {
      slug: true,
      name: true,
      tier: true,
      archivedAt: true,
      versionsDiffer: true,
      team: { select: { slug: true, name: true } },
      targets: {
        where: { archivedAt: null },
        select: { desiredVersion: true, environment: { select: { name: true } } },
      },
    },
  });
  return {
    environments,
    rows: applications.map((app) => ({
      slug: app.slug,
      name: app.name,
      team: app.team,
      tier: app.tier,
      archived: app.archivedAt !== null,
      versionsDiffer: app.versionsDiffer,
      versions: Object.fromEntries(app.targets.map((t) => [t.environment.name, t.desiredVersion])),
    })),
    total,
    page,
    pageSize: query.size,
    pageCount,
  };
}

function catalogueWhere(query: CatalogueQuery): Prisma.ApplicationWhereInput {
  const and: Prisma.ApplicationWhereInput[] = [
    { archivedAt: query.archived ? { not: null } : null },
  ];
  if (query.q) {
    and.push({
      OR: [
        { slug: { contains: query.q, mode: "insensitive" } },
        { name: { contains: query.q, mode: "insensitive" } },
        { description: { contains: query.q, mode: "insensitive" } },
      ],
    });
  }
  if (query.team) and.push({ team: { slug: query.team } });
  if (query.tier) and.push({ tier: query.tier });
  if (query.differs) and.push({ versionsDiffer: true });
  if (query.label) {
    const [key, ...rest] = query.label.split("=");
    and.push({ labels: { some: { key: key ?? "", value: rest.join("=") } } });
  }
  return { AND: and };
}

function catalogueOrder(query: CatalogueQuery): Prisma.ApplicationOrderByWithRelationInput[] {
  const dir = query.dir;
  // The slug is the final key in every order, so pages never overlap or skip a row.
  switch (query.sort) {
    case "team":
      return [{ team: { slug: dir } }, { slug: "asc" }];
    case "tier":
      return [{ tier: dir }, { slug: "asc" }];
    case "updated":
      return [{ updatedAt: dir }, { slug: "asc" }];
    default:
      return [{ slug: dir }];
  }
}

export interface CatalogueFacets {
  teams: { slug: string; name: string; applications: number }[];
  labels: { key: string; value: string; applications: number }[];
}

/** The choices offered by the catalogue's filters, with counts of active apps. */
export async function listCatalogueFacets(params: { db: PrismaClient }): Promise<CatalogueFacets> {
  const { db } = params;
  const [teams, labels] = await Promise.all([
    db.$queryRaw<{ slug: string; name: string; applications: bigint }[]>`
      SELECT t."slug", t."name", count(a."id") AS applications
      FROM "Team" t JOIN "Application" a ON a."teamId" = t."id" AND a."archivedAt" IS NULL
      GROUP BY t."id" ORDER BY t."slug"`,
    db.$queryRaw<{ key: string; value: string; applications: bigint }[]>`
      SELECT l."key", l."value", count(*) AS applications
      FROM "ApplicationLabel" l JOIN "Application" a ON a."id" = l."applicationId" AND a."archivedAt" IS NULL
      GROUP BY l."key", l."value" ORDER BY l."key", l."value" LIMIT 500`,
  ]);
  return {
    teams: teams.map((t) => ({ ...t, applications: Number(t.applications) })),
    labels: labels.map((l) => ({ ...l, applications: Number(l.applications) })),
  };
}
