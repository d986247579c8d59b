import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan, can } from "@/lib/identity/permissions";
import type { Person, Principal } from "@/lib/identity/principal";
import {
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
 * inbox to show).
 */
export async function approvalsAwaitingCount(params: {
  db: PrismaClient;
  person: Person;
}): Promise<number | null> {
  const { person } = params;
  const approver = person.roles.includes("approver") && person.approverEnvironments.length > 0;
  if (!approver && !person.roles.includes("admin")) return null;
  // Every page shows the count, and most of the time nothing is under review: one count
  // says so without reading the inbox's promotions, their reviews and policies.
  const where = candidatesWhere(person);
  if (!where || (await params.db.promotion.count({ where })) === 0) return 0;
  return (await listApprovalInbox({ db: params.db, principal: person })).awaitingYou;
}
