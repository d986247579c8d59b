import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
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
 * `query`. Two round trips whatever the size of the fleet: the page of
 * applications with the filtered total (a window count), then the desired
 * versions of just those applications. Hand-written SQL because this is the
 * hottest query of the portal; every value is a bound parameter.
 */
export async function listApplications(params: {
  db: PrismaClient;
  query: CatalogueQuery;
}): Promise<CataloguePage> {
  const { db, query } = params;
  const where = catalogueWhere(query);
  const environments = await db.environment.findMany({
    where: { archivedAt: null },
    orderBy: { position: "asc" },
    select: { id: true, name: true, displayName: true },
  });
  let page = query.page;
  let rows = await selectPage(db, where, query, page);
  let total = rows[0] ? Number(rows[0].total) : 0;
  if (rows.length === 0 && page > 1) {
    // Past the end (a stale link): show the last page rather than nothing.
    const [counted] = await db.$queryRaw<{ total: bigint }[]>`
      SELECT count(*) AS total FROM "Application" a JOIN "Team" t ON t."id" = a."teamId" WHERE ${where}`;
    total = Number(counted?.total ?? 0);
    page = Math.max(1, Math.ceil(total / query.size));
    rows = total > 0 ? await selectPage(db, where, query, page) : [];
  }
  const ids = rows.map((row) => row.id);
  const targets =
    ids.length === 0
      ? []
      : await db.$queryRaw<
          { applicationId: string; environment: string; version: string | null }[]
        >`
          SELECT dt."applicationId", e."name" AS environment, dt."desiredVersion" AS version
          FROM "DeploymentTarget" dt JOIN "Environment" e ON e."id" = dt."environmentId"
          WHERE dt."applicationId" = ANY(${ids}::uuid[]) AND dt."archivedAt" IS NULL`;
  const versions = new Map<string, Record<string, string | null>>();
  for (const target of targets) {
    const forApp = versions.get(target.applicationId) ?? {};
    forApp[target.environment] = target.version;
    versions.set(target.applicationId, forApp);
  }
  return {
    environments,
    rows: rows.map((row) => ({
      slug: row.slug,
      name: row.name,
      team: { slug: row.teamSlug, name: row.teamName },
      tier: row.tier,
      archived: row.archived,
      versionsDiffer: row.versionsDiffer,
      versions: versions.get(row.id) ?? {},
    })),
    total,
    page,
    pageSize: query.size,
    pageCount: Math.max(1, Math.ceil(total / query.size)),
  };
}

interface PageRow {
  id: string;
  slug: string;
  name: string;
  tier: string;
  archived: boolean;
  versionsDiffer: boolean;
  teamSlug: string;
  teamName: string;
  total: bigint;
}

function selectPage(
  db: PrismaClient,
  where: Prisma.Sql,
  query: CatalogueQuery,
  page: number,
): Promise<PageRow[]> {
  return db.$queryRaw<PageRow[]>`
    SELECT a."id", a."slug", a."name", a."tier"::text AS tier, a."archivedAt" IS NOT NULL AS archived,
           a."versionsDiffer", t."slug" AS "teamSlug", t."name" AS "teamName", count(*) OVER () AS total
    FROM "Application" a JOIN "Team" t ON t."id" = a."teamId"
    WHERE ${where}
    ORDER BY ${catalogueOrder(query)}
    LIMIT ${query.size} OFFSET ${(page - 1) * query.size}`;
}

function catalogueWhere(query: CatalogueQuery): Prisma.Sql {
  const conditions: Prisma.Sql[] = [
    query.archived ? Prisma.sql`a."archivedAt" IS NOT NULL` : Prisma.sql`a."archivedAt" IS NULL`,
  ];
  if (query.q) {
    // LIKE's wildcards in the search text are meant literally.
    const pattern = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      Prisma.sql`(a."slug" ILIKE ${pattern} OR a."name" ILIKE ${pattern} OR a."description" ILIKE ${pattern})`,
    );
  }
  if (query.team) conditions.push(Prisma.sql`t."slug" = ${query.team}`);
  if (query.tier) conditions.push(Prisma.sql`a."tier" = ${query.tier}::"Tier"`);
  if (query.differs) conditions.push(Prisma.sql`a."versionsDiffer"`);
  if (query.label) {
    const [key, ...rest] = query.label.split("=");
    conditions.push(Prisma.sql`EXISTS (
      SELECT 1 FROM "ApplicationLabel" l
      WHERE l."applicationId" = a."id" AND l."key" = ${key ?? ""} AND l."value" = ${rest.join("=")})`);
  }
  return Prisma.join(conditions, " AND ");
}

function catalogueOrder(query: CatalogueQuery): Prisma.Sql {
  const dir = query.dir === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  // The slug is the final key in every order, so pages never overlap or skip a row.
  switch (query.sort) {
    case "team":
      return Prisma.sql`t."slug" ${dir}, a."slug" ASC`;
    case "tier":
      return Prisma.sql`a."tier" ${dir}, a."slug" ASC`;
    case "updated":
      return Prisma.sql`a."updatedAt" ${dir}, a."slug" ASC`;
    default:
      return Prisma.sql`a."slug" ${dir}`;
  }
}

export interface CatalogueFacets {
  teams: { slug: string; name: string; applications: number }[];
  labels: { key: string; value: string; applications: number }[];
}

/**
 * Teams and labels only change when the catalogue is imported, so their
 * counts are computed once per import rather than on every page view (at
 * 10,000 apps the label aggregate is most of a page's database time).
 */
let facetsCache: { importId: string; facets: CatalogueFacets } | undefined;

/** The choices offered by the catalogue's filters, with counts of active apps. */
export async function listCatalogueFacets(params: { db: PrismaClient }): Promise<CatalogueFacets> {
  const { db } = params;
  const latest = await db.catalogImport.findFirst({
    where: { status: "succeeded" },
    orderBy: { startedAt: "desc" },
    select: { id: true },
  });
  if (latest && facetsCache?.importId === latest.id) return facetsCache.facets;
  const facets = await computeFacets(db);
  if (latest) facetsCache = { importId: latest.id, facets };
  return facets;
}

async function computeFacets(db: PrismaClient): Promise<CatalogueFacets> {
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
