import { getConfig } from "@/lib/config";
import { sharedRead } from "@/lib/db";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { combinedSyncState, isStale, worstHealth } from "@/lib/sync-status/list-sync-status";
import type { HealthState, SyncState } from "@/lib/sync-status/report";
import { type CatalogueQuery, encodePosition } from "./catalogue-query";

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
  /**
   * What the clusters of each environment say runs, combined over them; null
   * when no cluster of the environment has reported anything for the app.
   */
  status: Record<string, CatalogueCellStatus | null>;
}

/** One matrix cell's sync status: the worst over the environment's clusters. */
export interface CatalogueCellStatus {
  sync: SyncState;
  health: HealthState;
  /** Some cluster of the environment is past the staleness bound, or never reported this app. */
  stale: boolean;
}

export interface CataloguePage {
  environments: CatalogueEnvironment[];
  rows: CatalogueRow[];
  /** Applications matching the filter, counted once per filter and import (see countMatching). */
  total: number;
  /**
   * The total may be a few seconds old: with a status filter, matches change
   * with every cluster report, and the count is kept for STATUS_COUNT_TTL_MS.
   * The page shows it as "about N".
   */
  totalIsEstimate: boolean;
  page: number;
  pageSize: number;
  pageCount: number;
  /**
   * The positions of this page's first and last rows (`before` and `after`
   * for the previous and next page's links); null on an empty page.
   */
  startCursor: string | null;
  endCursor: string | null;
}

/**
 * One page of the catalogue: the version matrix rows for the filter in
 * `query`. The page of applications, then the desired versions and the
 * cluster-reported status of just those applications, side by side.
 * Hand-written SQL because this is the hottest query of the portal; every
 * value is a bound parameter. The filtered total is not counted on every
 * page (at 10,000 apps a window count was most of the query): it is
 * counted once per filter and import, and kept.
 */
export async function listApplications(params: {
  db: PrismaClient;
  query: CatalogueQuery;
  now?: Date;
  staleAfterSeconds?: number;
  /** The latest import's id when the caller has read it (see latestImportId); read here otherwise. */
  importId?: string | null;
  /** The active environments in delivery order, when the caller has read them; read here otherwise. */
  environments?: CatalogueEnvironment[];
}): Promise<CataloguePage> {
  const { db, query } = params;
  const now = params.now ?? new Date();
  const staleAfterSeconds = params.staleAfterSeconds ?? getConfig().syncStaleAfterSeconds;
  // A cluster last seen before this instant is stale (the same bound as isStale).
  const freshSince = new Date(now.getTime() - staleAfterSeconds * 1000);
  const where = catalogueWhere(query, freshSince);
  const [environments, counted] = await Promise.all([
    params.environments ??
      db.environment.findMany({
        where: { archivedAt: null },
        orderBy: { position: "asc" },
        select: { id: true, name: true, displayName: true },
      }),
    countMatching(db, where, query, now, params.importId),
  ]);
  const { total } = counted;
  const pageCount = Math.max(1, Math.ceil(total / query.size));
  const { rows, page } =
    total > 0 ? await findPage(db, where, query, total) : { rows: [], page: 1 };
  return {
    environments,
    rows: rows.map((row) => ({
      slug: row.slug,
      name: row.name,
      team: { slug: row.teamSlug, name: row.teamName },
      tier: row.tier,
      archived: row.archived,
      versionsDiffer: row.versionsDiffer,
      versions: row.versions,
      status: cellStatuses(environments, clusterStatuses(row.clusters), now, staleAfterSeconds),
    })),
    total,
    totalIsEstimate: counted.estimate,
    page,
    pageSize: query.size,
    pageCount,
    startCursor: rows[0] ? encodePosition(positionOf(rows[0], query)) : null,
    endCursor: rows.at(-1) ? encodePosition(positionOf(rows.at(-1) as PageRow, query)) : null,
  };
}

/**
 * The rows of the page the query asks for, by keyset: the first page, the
 * rows after or before a position (the pager's Next and Previous), or the
 * last page (the order reversed). Only a page number typed without a
 * position (an old link, an API client counting pages) is found by OFFSET.
 * A position that no longer has rows on its side (the catalogue changed)
 * shows the first or last page instead of nothing.
 */
async function findPage(
  db: PrismaClient,
  where: Prisma.Sql,
  query: CatalogueQuery,
  total: number,
): Promise<{ rows: PageRow[]; page: number }> {
  const size = query.size;
  const pageCount = Math.max(1, Math.ceil(total / size));
  const firstPage = async () => ({
    rows: await selectPage(db, where, query, { limit: size }),
    page: 1,
  });
  // The last page holds what the full pages leave: the count is kept, so this is arithmetic.
  const lastPage = async () => {
    const limit = total - (pageCount - 1) * size || size;
    const rows = await selectPage(db, where, query, { reverse: true, limit });
    return { rows: rows.reverse(), page: pageCount };
  };
  const position = query.position;
  if (position?.direction === "after") {
    const rows = await selectPage(db, where, query, { after: position.keys, limit: size });
    if (rows.length > 0) return { rows, page: Math.min(Math.max(2, query.page), pageCount) };
    return lastPage();
  }
  if (position?.direction === "before") {
    const rows = await selectPage(db, where, query, { before: position.keys, limit: size });
    if (rows.length === size && query.page > 1) {
      return { rows: rows.reverse(), page: Math.min(query.page, pageCount - 1) };
    }
    return firstPage();
  }
  // Past the end (a stale link): show the last page rather than nothing.
  if (query.page >= pageCount && pageCount > 1) return lastPage();
  if (query.page <= 1) return firstPage();
  const rows = await selectPage(db, where, query, { offset: (query.page - 1) * size, limit: size });
  return { rows, page: query.page };
}

/** How long a count under a status filter is kept: statuses change with every report. */
const STATUS_COUNT_TTL_MS = 15_000;
const MAX_COUNTS = 500;
/** Counts by filter; an entry is valid for the import it was counted after. */
const counts = new Map<string, { importId: string; total: number; countedAt: number }>();

/**
 * The number of applications matching the filter. Applications, teams,
 * tiers and labels change only when the catalogue is imported, so a count
 * holds until the next import; under a status filter it is kept for a few
 * seconds and called an estimate.
 */
async function countMatching(
  db: PrismaClient,
  where: Prisma.Sql,
  query: CatalogueQuery,
  now: Date,
  knownImportId: string | null | undefined,
): Promise<{ total: number; estimate: boolean }> {
  const key = JSON.stringify([
    query.q,
    query.team,
    query.tier,
    query.label,
    query.status,
    query.differs,
    query.archived,
  ]);
  const importId = (knownImportId === undefined ? await latestImportId(db) : knownImportId) ?? "";
  const kept = counts.get(key);
  const fresh =
    kept?.importId === importId &&
    (!query.status || now.getTime() - kept.countedAt < STATUS_COUNT_TTL_MS);
  if (kept && fresh) return { total: kept.total, estimate: Boolean(query.status) };
  const [row] = await db.$queryRaw<{ total: bigint }[]>`
    SELECT count(*) AS total FROM "Application" a JOIN "Team" t ON t."id" = a."teamId" WHERE ${where}`;
  const total = Number(row?.total ?? 0);
  counts.delete(key);
  if (counts.size >= MAX_COUNTS) {
    const oldest = counts.keys().next().value;
    if (oldest !== undefined) counts.delete(oldest);
  }
  counts.set(key, { importId, total, countedAt: now.getTime() });
  return { total, estimate: false };
}

/** One active cluster of the app's row: the states its objects for the app report (empty: none). */
interface ClusterStatusRow {
  environment: string;
  lastSeenAt: Date | null;
  syncStates: SyncState[];
  healths: HealthState[];
}

/**
 * The page row's clusters as the query sends them: [environment, last seen
 * (epoch ms) or null, [[sync, health], …]] per active cluster.
 */
type ClusterStatusJson = [string, number | null, [SyncState, HealthState][]];

function clusterStatuses(clusters: ClusterStatusJson[]): ClusterStatusRow[] {
  return clusters.map(([environment, lastSeen, objects]) => ({
    environment,
    lastSeenAt: lastSeen === null ? null : new Date(lastSeen),
    syncStates: objects.map(([sync]) => sync),
    healths: objects.map(([, health]) => health),
  }));
}

/**
 * Mirrors listApplicationSyncStatus: per cluster, objects combine by
 * combinedSyncState/worstHealth, and a cluster past the bound (isStale) reads
 * as Unknown/Unknown. Across the environment's clusters the cell takes the
 * same combination again; a cluster that never reported this app while others
 * of the environment did is stale too (the per-cluster page shows it as
 * Unknown with no objects), so the cell never reads Synced on half a picture.
 */
function cellStatuses(
  environments: CatalogueEnvironment[],
  clusters: ClusterStatusRow[],
  now: Date,
  staleAfterSeconds: number,
): Record<string, CatalogueCellStatus | null> {
  const status: Record<string, CatalogueCellStatus | null> = {};
  for (const environment of environments) {
    const inEnvironment = clusters.filter((c) => c.environment === environment.name);
    if (!inEnvironment.some((c) => c.syncStates.length > 0)) {
      status[environment.name] = null;
      continue;
    }
    const perCluster = inEnvironment.map((c) =>
      c.syncStates.length === 0 || isStale(c.lastSeenAt, now, staleAfterSeconds)
        ? { sync: "Unknown" as const, health: "Unknown" as const, stale: true }
        : { sync: combinedSyncState(c.syncStates), health: worstHealth(c.healths), stale: false },
    );
    status[environment.name] = {
      sync: combinedSyncState(perCluster.map((c) => c.sync)),
      health: worstHealth(perCluster.map((c) => c.health)),
      stale: perCluster.some((c) => c.stale),
    };
  }
  return status;
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
  /** The first key of the order, for the page's positions. */
  sortKey: string | number | Date;
  /** Desired version per environment name (the app's active deployment targets). */
  versions: Record<string, string | null>;
  /** Every active cluster of an active environment, with what it reports for the app. */
  clusters: ClusterStatusJson[];
}

/** Which rows of the order selectPage reads: after or before a position, or from an offset; reversed for the end. */
interface PageWindow {
  after?: readonly (string | number)[];
  before?: readonly (string | number)[];
  offset?: number;
  reverse?: boolean;
  limit: number;
}

/**
 * The app's desired versions by environment, in the page's own query: the
 * row arrives whole, as one JSON value, instead of one more round trip and a
 * row per environment to parse.
 */
const PAGE_ROW_VERSIONS = Prisma.sql`(
      SELECT COALESCE(json_object_agg(e."name", dt."desiredVersion"), '{}')
      FROM "DeploymentTarget" dt JOIN "Environment" e ON e."id" = dt."environmentId"
      WHERE dt."applicationId" = a."id" AND dt."archivedAt" IS NULL)`;

/**
 * Every active cluster of an active environment with what it reports for the
 * app, reported or not, so a cluster that never reported an app its
 * neighbours report can mark the cell stale. Last seen goes as epoch
 * milliseconds (the column is UTC without a zone).
 */
const PAGE_ROW_CLUSTERS = Prisma.sql`(
      SELECT COALESCE(json_agg(json_build_array(
        e."name",
        floor(extract(epoch FROM c."lastSeenAt") * 1000),
        (SELECT COALESCE(json_agg(json_build_array(s."syncState", s."health")), '[]')
         FROM "SyncStatus" s
         WHERE s."applicationId" = a."id" AND s."clusterId" = c."id" AND s."environmentId" = c."environmentId")
      )), '[]')
      FROM "Cluster" c JOIN "Environment" e ON e."id" = c."environmentId" AND e."archivedAt" IS NULL
      WHERE c."archivedAt" IS NULL)`;

function selectPage(
  db: PrismaClient,
  where: Prisma.Sql,
  query: CatalogueQuery,
  window: PageWindow,
): Promise<PageRow[]> {
  const keys = orderKeys(query);
  // Read backwards from a `before` position (or from the end), then the caller turns the rows round.
  const backwards = Boolean(window.before) || Boolean(window.reverse);
  const position = window.after ?? window.before;
  const conditions = position ? [where, keysetCondition(keys, position, backwards)] : [where];
  return db.$queryRaw<PageRow[]>`
    SELECT a."id", a."slug", a."name", a."tier"::text AS tier, a."archivedAt" IS NOT NULL AS archived,
           a."versionsDiffer", t."slug" AS "teamSlug", t."name" AS "teamName",
           ${keys[0]?.expression ?? Prisma.sql`a."slug"`} AS "sortKey",
           ${PAGE_ROW_VERSIONS} AS "versions", ${PAGE_ROW_CLUSTERS} AS "clusters"
    FROM "Application" a JOIN "Team" t ON t."id" = a."teamId"
    WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY ${Prisma.join(
      keys.map(
        (key) =>
          Prisma.sql`${key.expression} ${key.descending !== backwards ? Prisma.sql`DESC` : Prisma.sql`ASC`}`,
      ),
      ", ",
    )}
    LIMIT ${window.limit} OFFSET ${window.offset ?? 0}`;
}

/** One key of the catalogue's order: the expression, its direction, and how a position's value is bound. */
interface OrderKey {
  expression: Prisma.Sql;
  descending: boolean;
  bind: (value: string | number) => Prisma.Sql;
}

const bound = (value: string | number) => Prisma.sql`${value}`;

/**
 * The catalogue's order as keys; the slug is the final key in every order,
 * so pages never overlap or skip a row, and a position names one row.
 */
function orderKeys(query: CatalogueQuery): OrderKey[] {
  const descending = query.dir === "desc";
  const slug = (desc: boolean): OrderKey => ({
    expression: Prisma.sql`a."slug"`,
    descending: desc,
    bind: bound,
  });
  switch (query.sort) {
    case "relevance":
      return query.q
        ? [{ expression: searchRank(query.q), descending, bind: bound }, slug(false)]
        : [slug(descending)];
    case "team":
      return [{ expression: Prisma.sql`t."slug"`, descending, bind: bound }, slug(false)];
    case "tier":
      return [
        {
          expression: Prisma.sql`a."tier"`,
          descending,
          bind: (value) => Prisma.sql`${String(value)}::"Tier"`,
        },
        slug(false),
      ];
    case "updated":
      return [
        {
          expression: Prisma.sql`a."updatedAt"`,
          descending,
          bind: (value) => Prisma.sql`${new Date(String(value))}`,
        },
        slug(false),
      ];
    default:
      return [slug(descending)];
  }
}

/**
 * Rows strictly past the position in the order (or before it, reading
 * backwards): the first key past its value, or equal and the next key past.
 */
function keysetCondition(
  keys: readonly OrderKey[],
  position: readonly (string | number)[],
  backwards: boolean,
): Prisma.Sql {
  const past = (key: OrderKey, value: string | number) =>
    key.descending !== backwards
      ? Prisma.sql`${key.expression} < ${key.bind(value)}`
      : Prisma.sql`${key.expression} > ${key.bind(value)}`;
  const [first, second] = keys;
  const [firstValue, secondValue] = position;
  if (!first || firstValue === undefined) return Prisma.sql`TRUE`;
  if (!second || secondValue === undefined) return past(first, firstValue);
  return Prisma.sql`(${past(first, firstValue)} OR (${first.expression} = ${first.bind(firstValue)} AND ${past(second, secondValue)}))`;
}

/** A row's position: its sort-key values, the slug last (once, when the slug is the only key). */
function positionOf(row: PageRow, query: CatalogueQuery): (string | number)[] {
  const keys = orderKeys(query);
  if (keys.length === 1) return [row.slug];
  const value = row.sortKey instanceof Date ? row.sortKey.toISOString() : row.sortKey;
  return [value, row.slug];
}

/** LIKE's wildcards in the search text are meant literally. */
function likeEscaped(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * How well an app matches the search text, best first: 0 the name or slug is
 * the text, 1 starts with it, 2 contains it, 3 only the description does.
 * Computed on the rows the filter already kept, so it costs one expression per
 * match (10,000 apps at most), with no index of its own.
 */
function searchRank(q: string): Prisma.Sql {
  const prefix = `${likeEscaped(q)}%`;
  const within = `%${likeEscaped(q)}%`;
  return Prisma.sql`(CASE
      WHEN lower(a."name") = lower(${q}) OR lower(a."slug") = lower(${q}) THEN 0
      WHEN a."name" ILIKE ${prefix} OR a."slug" ILIKE ${prefix} THEN 1
      WHEN a."name" ILIKE ${within} OR a."slug" ILIKE ${within} THEN 2
      ELSE 3 END)`;
}

/**
 * Applications whose slug, name or description contains `q`. The three
 * fields joined, exactly as the migration's trigram index has them, find the
 * candidates without reading every application; the per-field test keeps a
 * match across the joins out.
 */
export function searchCondition(q: string): Prisma.Sql {
  const pattern = `%${likeEscaped(q)}%`;
  return Prisma.sql`((a."slug" || ' ' || a."name" || ' ' || a."description") ILIKE ${pattern}
    AND (a."slug" ILIKE ${pattern} OR a."name" ILIKE ${pattern} OR a."description" ILIKE ${pattern}))`;
}

function catalogueWhere(query: CatalogueQuery, freshSince: Date): Prisma.Sql {
  const conditions: Prisma.Sql[] = [
    query.archived ? Prisma.sql`a."archivedAt" IS NOT NULL` : Prisma.sql`a."archivedAt" IS NULL`,
  ];
  if (query.q) conditions.push(searchCondition(query.q));
  if (query.team) conditions.push(Prisma.sql`t."slug" = ${query.team}`);
  if (query.tier) conditions.push(Prisma.sql`a."tier" = ${query.tier}::"Tier"`);
  if (query.differs) conditions.push(Prisma.sql`a."versionsDiffer"`);
  if (query.label) {
    const [key, ...rest] = query.label.split("=");
    conditions.push(Prisma.sql`EXISTS (
      SELECT 1 FROM "ApplicationLabel" l
      WHERE l."applicationId" = a."id" AND l."key" = ${key ?? ""} AND l."value" = ${rest.join("=")})`);
  }
  if (query.status) conditions.push(statusCondition(query.status, freshSince));
  return Prisma.join(conditions, " AND ");
}

/**
 * The status filter, matching what the cells show: a status row counts when
 * its cluster is active, in its environment, and the app is deployed there.
 * Out of sync and degraded count only fresh clusters (a stale one reads
 * Unknown); stale is a stale cluster with rows for the app, or an active
 * cluster without any while another cluster of the same environment has some.
 */
function statusCondition(status: NonNullable<CatalogueQuery["status"]>, freshSince: Date) {
  const reported = Prisma.sql`
    FROM "SyncStatus" s
    JOIN "Cluster" c ON c."id" = s."clusterId" AND c."environmentId" = s."environmentId" AND c."archivedAt" IS NULL
    JOIN "Environment" e ON e."id" = s."environmentId" AND e."archivedAt" IS NULL
    JOIN "DeploymentTarget" dt
      ON dt."applicationId" = s."applicationId" AND dt."environmentId" = s."environmentId" AND dt."archivedAt" IS NULL
    WHERE s."applicationId" = a."id"`;
  switch (status) {
    case "out-of-sync":
      return Prisma.sql`EXISTS (SELECT 1 ${reported}
        AND c."lastSeenAt" >= ${freshSince} AND s."syncState" = 'OutOfSync')`;
    case "degraded":
      return Prisma.sql`EXISTS (SELECT 1 ${reported}
        AND c."lastSeenAt" >= ${freshSince} AND s."health" = 'Degraded')`;
    case "stale":
      return Prisma.sql`EXISTS (SELECT 1 ${reported}
        AND (c."lastSeenAt" IS NULL OR c."lastSeenAt" < ${freshSince}
          OR EXISTS (
            SELECT 1 FROM "Cluster" other
            WHERE other."environmentId" = s."environmentId" AND other."archivedAt" IS NULL
              AND NOT EXISTS (
                SELECT 1 FROM "SyncStatus" mine
                WHERE mine."applicationId" = a."id" AND mine."clusterId" = other."id"
                  AND mine."environmentId" = s."environmentId"))))`;
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
export async function listCatalogueFacets(params: {
  db: PrismaClient;
  /** As for listApplications: the latest import's id when the caller has read it. */
  importId?: string | null;
}): Promise<CatalogueFacets> {
  const { db } = params;
  const importId = params.importId === undefined ? await latestImportId(db) : params.importId;
  if (importId && facetsCache?.importId === importId) return facetsCache.facets;
  const facets = await computeFacets(db);
  if (importId) facetsCache = { importId, facets };
  return facets;
}

/**
 * The latest successful import: what the kept counts and facets were
 * computed after. A page that shows both reads it once and passes it to each.
 */
export function latestImportId(db: PrismaClient): Promise<string | null> {
  return sharedRead(db, "latest-import-id", async () => {
    const latest = await db.catalogImport.findFirst({
      where: { status: "succeeded" },
      orderBy: { startedAt: "desc" },
      select: { id: true },
    });
    return latest?.id ?? null;
  });
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
