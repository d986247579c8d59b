import type { AuditFilter, AuditPage } from "@/lib/audit/audit-filter";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";

/** One event as the timeline and the export show it: plain JSON, no bigint, no Date. */
export interface AuditEventRow {
  sequence: string;
  id: string;
  /** ISO 8601, UTC, milliseconds. */
  at: string;
  actorKind: string;
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string | null;
  application: string | null;
  team: string | null;
  environment: string | null;
  promotionId: string | null;
  cluster: string | null;
  outcome: string;
  requestId: string | null;
  sourceAddress: string | null;
  detail: Record<string, unknown>;
  /** Only when asked for (the export): what an archive needs to check the chain offline. */
  previousHash?: string;
  hash?: string;
}

export interface AuditEventPage {
  events: AuditEventRow[];
  /** `before` for the next (older) page; null on the last page. */
  olderCursor: string | null;
  /** `after` for the previous (newer) page; null on the newest page. */
  newerCursor: string | null;
}

const DEFAULT_PAGE_SIZE = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface DbRow extends Omit<AuditEventRow, "sequence" | "at" | "detail"> {
  sequence: bigint;
  at: Date;
  detail: unknown;
}

const COLUMNS = Prisma.sql`sequence, id::text AS id, at, "actorKind", "actorId", "actorName", action,
  "targetType", "targetId", application, team, environment, "promotionId"::text AS "promotionId",
  cluster, outcome, "requestId", "sourceAddress", detail`;
const HASHES = Prisma.sql`, "previousHash", hash`;

function likePrefix(value: string): string {
  return `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The WHERE conditions of a filter. Each condition is an equality or range
 * on an indexed column (app, team, env, actor name and id, action and
 * outcome each have an index ending in sequence, app + action a composite
 * one, and the details a trigram index for `q`), so the newest-first scan
 * by sequence stays short at any depth (bench/audit.ts).
 */
function auditConditions(filter: AuditFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filter.app) where.push(Prisma.sql`application = ${filter.app}`);
  if (filter.team) where.push(Prisma.sql`team = ${filter.team}`);
  if (filter.env) where.push(Prisma.sql`environment = ${filter.env}`);
  if (filter.actor) {
    where.push(
      UUID.test(filter.actor)
        ? Prisma.sql`"actorId" = ${filter.actor.toLowerCase()}`
        : Prisma.sql`"actorName" = ${filter.actor}`,
    );
  }
  if (filter.action) {
    const prefix = filter.action.endsWith(".") || filter.action.endsWith("*");
    where.push(
      prefix
        ? Prisma.sql`action LIKE ${likePrefix(filter.action.replace(/\*$/, ""))}`
        : Prisma.sql`action = ${filter.action}`,
    );
  }
  if (filter.outcome) where.push(Prisma.sql`outcome = ${filter.outcome}`);
  if (filter.from) where.push(Prisma.sql`at >= ${filter.from}`);
  if (filter.to) where.push(Prisma.sql`at < ${filter.to}`);
  if (filter.q) where.push(Prisma.sql`detail::text ILIKE ${`%${likePrefix(filter.q)}`}`);
  return where;
}

function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length === 0
    ? Prisma.empty
    : Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}`;
}

function toRow(row: DbRow): AuditEventRow {
  return {
    ...row,
    sequence: row.sequence.toString(),
    at: row.at.toISOString(),
    detail:
      row.detail !== null && typeof row.detail === "object" && !Array.isArray(row.detail)
        ? (row.detail as Record<string, unknown>)
        : {},
  };
}

/** Events matching `filter` in sequence order, one keyset step: `limit` after `cursor` (exclusive). */
export async function readAuditEvents(params: {
  db: PrismaClient;
  filter: AuditFilter;
  order: "asc" | "desc";
  /** Exclusive: sequences after it in `order`. */
  cursor?: bigint;
  /** Inclusive upper bound of the sequence (an export's snapshot). */
  upTo?: bigint;
  limit: number;
  withHashes?: boolean;
}): Promise<AuditEventRow[]> {
  const conditions = auditConditions(params.filter);
  if (params.cursor !== undefined) {
    conditions.push(
      params.order === "desc"
        ? Prisma.sql`sequence < ${params.cursor}`
        : Prisma.sql`sequence > ${params.cursor}`,
    );
  }
  if (params.upTo !== undefined) conditions.push(Prisma.sql`sequence <= ${params.upTo}`);
  const order = params.order === "desc" ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const rows = await params.db.$queryRaw<DbRow[]>`
    SELECT ${COLUMNS}${params.withHashes ? HASHES : Prisma.empty} FROM "AuditEvent" ${whereClause(conditions)}
    ORDER BY sequence ${order} LIMIT ${params.limit}`;
  return rows.map(toRow);
}

/**
 * One page of the audit timeline, newest first, by keyset on the sequence:
 * `before` pages to older events, `after` back to newer ones; the cost of a
 * page does not depend on how deep it is. Needs audit:read.
 */
export async function listAuditEvents(params: {
  db: PrismaClient;
  principal: Principal | null;
  filter: AuditFilter;
  page?: AuditPage;
}): Promise<AuditEventPage> {
  assertCan(params.principal, "audit:read");
  const page = params.page ?? {};
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  if (page.after !== undefined) {
    const rows = await readAuditEvents({
      db: params.db,
      filter: params.filter,
      order: "asc",
      cursor: page.after,
      limit: limit + 1,
    });
    const more = rows.length > limit;
    const events = rows.slice(0, limit).reverse();
    return {
      events,
      newerCursor: more ? (events[0]?.sequence ?? null) : null,
      olderCursor: events.at(-1)?.sequence ?? page.after.toString(),
    };
  }
  const rows = await readAuditEvents({
    db: params.db,
    filter: params.filter,
    order: "desc",
    cursor: page.before,
    limit: limit + 1,
  });
  const events = rows.slice(0, limit);
  return {
    events,
    olderCursor: rows.length > limit ? (events.at(-1)?.sequence ?? null) : null,
    newerCursor: page.before !== undefined ? (events[0]?.sequence ?? page.before.toString()) : null,
  };
}
