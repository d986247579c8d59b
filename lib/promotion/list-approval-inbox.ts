import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan, can } from "@/lib/identity/permissions";
import type { Person, Principal } from "@/lib/identity/principal";
import {
  type ApprovalsRow,
  approvalsOf,
  approvalsSelect,
  type PromotionApprovals,
} from "@/lib/promotion/approval-standing";
import { type PromotionSummary, summarySelect, toSummary } from "@/lib/promotion/dto";

/** One promotion waiting in a person's approvals inbox. */
export interface ApprovalInboxItem {
  promotion: PromotionSummary;
  planDiff: string;
  valuesPath: string;
  approvals: PromotionApprovals;
  /** The person's own latest review of the current head, if they gave one. */
  yourReview: "approve" | "request_changes" | null;
  /** Not satisfied yet, and the person has not reviewed the current head. */
  awaitingYou: boolean;
}

export interface ApprovalInbox {
  items: ApprovalInboxItem[];
  /** How many of them await the person (the count beside "Approvals" in the header). */
  awaitingYou: number;
  /** More promotions were waiting than `limit`. */
  truncated: boolean;
}

const DEFAULT_LIMIT = 100;

/**
 * The promotions under review that might be in `principal`'s inbox: into the
 * environments they approve for, not their own. Null when they have no inbox.
 */
function candidatesWhere(principal: Principal): Prisma.PromotionWhereInput | null {
  if (principal.kind !== "person") return null;
  const admin = principal.roles.includes("admin");
  const everywhere = admin || principal.approverEnvironments.includes("*");
  if (
    !admin &&
    (!principal.roles.includes("approver") || principal.approverEnvironments.length === 0)
  ) {
    return null;
  }
  return {
    state: { in: ["pr_open", "approved"] },
    ...(everywhere ? {} : { toEnvironment: { name: { in: [...principal.approverEnvironments] } } }),
    // Not their own. (A bare NOT would also drop rows whose requestedById is null: a CI
    // token's promotions, which people must be able to approve.)
    AND: [
      { OR: [{ requestedById: null }, { NOT: { requestedById: principal.id } }] },
      { NOT: { requestedByEmail: { equals: principal.email, mode: "insensitive" } } },
    ],
  };
}

/**
 * The promotions under review (pr_open or approved) that `principal` may
 * approve: into environments they approve for, not their own (four eyes),
 * oldest first. The database narrows by environment and author; `can`
 * decides each, exactly as reviewPromotion will. A CI token has no inbox.
 */
export async function listApprovalInbox(params: {
  db: PrismaClient;
  principal: Principal;
  limit?: number;
}): Promise<ApprovalInbox> {
  const { db, principal } = params;
  assertCan(principal, "promotion:read");
  const empty: ApprovalInbox = { items: [], awaitingYou: 0, truncated: false };
  const where = candidatesWhere(principal);
  if (!where) return empty;
  const limit = params.limit ?? DEFAULT_LIMIT;
  const rows = await db.promotion.findMany({
    where,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: limit + 1,
    select: {
      ...summarySelect,
      ...approvalsSelect,
      toEnvironment: { select: { name: true, displayName: true, policy: true } },
      planDiff: true,
      valuesPath: true,
      requestedById: true,
    },
  });
  const items: ApprovalInboxItem[] = [];
  for (const row of rows.slice(0, limit)) {
    const resource = {
      environment: row.toEnvironment.name,
      authorId: row.requestedById,
      authorEmail: row.requestedByEmail,
    };
    if (!can(principal, "promotion:approve", resource)) continue;
    const approvals = approvalsOf(row, null);
    const own = approvals.reviews.filter(
      (review) => review.current && review.reviewer.id === principal.id,
    );
    const yourReview = own.at(-1)?.decision ?? null;
    items.push({
      promotion: toSummary(row),
      planDiff: row.planDiff,
      valuesPath: row.valuesPath,
      approvals,
      yourReview,
      awaitingYou: !approvals.standing.satisfied && yourReview === null,
    });
  }
  return {
    items,
    awaitingYou: items.filter((item) => item.awaitingYou).length,
    truncated: rows.length > limit,
  };
}

/**
 * The count beside "Approvals" in the header: promotions awaiting the
 * person's review; null for someone who approves for no environment (no
 * inbox to show). Every page shows it, so it is one query (the candidates
 * with their environment's policy and their reviews, as JSON) instead of the
 * inbox's reads; each is then judged exactly as the inbox judges it (`can`,
 * `approvalsOf`), over the same first DEFAULT_LIMIT candidates.
 */
export async function approvalsAwaitingCount(params: {
  db: PrismaClient;
  person: Person;
}): Promise<number | null> {
  const { person } = params;
  const approver = person.roles.includes("approver") && person.approverEnvironments.length > 0;
  if (!approver && !person.roles.includes("admin")) return null;
  const everywhere = person.roles.includes("admin") || person.approverEnvironments.includes("*");
  const rows = await params.db.$queryRaw<AwaitingRow[]>`
    SELECT p."id", p."kind"::text AS kind, p."headCommit", p."requestedById", p."requestedByEmail",
           rb."gitLogin" AS "requestedByLogin", e."name" AS environment, e."policy",
           COALESCE((
             SELECT json_agg(json_build_object(
                      'id', ap."id", 'promotionId', ap."promotionId", 'decision', ap."decision",
                      'userId', ap."userId", 'reviewerName', ap."reviewerName",
                      'reviewerEmail', ap."reviewerEmail", 'reviewerLogin', ap."reviewerLogin",
                      'comment', ap."comment", 'headCommit', ap."headCommit", 'source', ap."source",
                      'reviewId', ap."reviewId",
                      -- Stored without a zone, in UTC (Prisma's convention): said so, for Date.
                      'dismissedAt', ap."dismissedAt" AT TIME ZONE 'UTC',
                      'createdAt', ap."createdAt" AT TIME ZONE 'UTC', 'teams', u."teams")
                    ORDER BY ap."createdAt", ap."id")
             FROM "Approval" ap LEFT JOIN "User" u ON u."id" = ap."userId"
             WHERE ap."promotionId" = p."id"), '[]') AS approvals
    FROM "Promotion" p
    JOIN "Environment" e ON e."id" = p."toEnvironmentId"
    LEFT JOIN "User" rb ON rb."id" = p."requestedById"
    WHERE p."state" IN ('pr_open', 'approved')
      AND (${everywhere} OR e."name" = ANY(${[...person.approverEnvironments]}::text[]))
      AND (p."requestedById" IS NULL OR p."requestedById" <> ${person.id})
      AND lower(p."requestedByEmail") <> lower(${person.email})
    ORDER BY p."createdAt", p."id"
    LIMIT ${DEFAULT_LIMIT}`;
  let awaiting = 0;
  for (const row of rows) {
    const resource = {
      environment: row.environment,
      authorId: row.requestedById,
      authorEmail: row.requestedByEmail,
    };
    if (!can(person, "promotion:approve", resource)) continue;
    const approvals = approvalsOf(approvalsRowOf(row), null);
    const reviewed = approvals.reviews.some(
      (review) => review.current && review.reviewer.id === person.id,
    );
    if (!approvals.standing.satisfied && !reviewed) awaiting++;
  }
  return awaiting;
}

interface AwaitingRow {
  id: string;
  kind: ApprovalsRow["kind"];
  headCommit: string | null;
  requestedById: string | null;
  requestedByEmail: string;
  requestedByLogin: string | null;
  environment: string;
  policy: ApprovalsRow["toEnvironment"]["policy"];
  approvals: (Omit<ApprovalsRow["approvals"][number], "user" | "createdAt" | "dismissedAt"> & {
    createdAt: string;
    dismissedAt: string | null;
    teams: string[] | null;
  })[];
}

function approvalsRowOf(row: AwaitingRow): ApprovalsRow {
  return {
    kind: row.kind,
    headCommit: row.headCommit,
    requestedById: row.requestedById,
    requestedByEmail: row.requestedByEmail,
    requestedBy: row.requestedById === null ? null : { gitLogin: row.requestedByLogin },
    toEnvironment: { policy: row.policy },
    approvals: row.approvals.map(({ teams, ...approval }) => ({
      ...approval,
      createdAt: new Date(approval.createdAt),
      dismissedAt: approval.dismissedAt === null ? null : new Date(approval.dismissedAt),
      user: teams === null ? null : { teams },
    })),
  };
}
