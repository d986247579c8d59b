import type { Prisma, PromotionKind, PromotionState } from "@/lib/generated/prisma/client";
import type { ApprovalStanding, EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";
import type { Actor } from "@/lib/identity/actor";
import { approvalStanding, type PolicyReview } from "@/lib/policy/approvals";
import { readPolicy } from "@/lib/policy/read-policy";
import { transition } from "@/lib/promotion/transitions";

type Reader = Pick<Prisma.TransactionClient, "promotion">;

/** One review of a promotion as the page and the API show it. */
export interface ReviewView {
  id: string;
  decision: "approve" | "request_changes";
  /** `id` is the Gantry person (User id) when known. */
  reviewer: { id: string | null; name: string; login: string | null };
  comment: string;
  /** Where it was given: in Gantry, or on the Git host. */
  source: "portal" | "git";
  /** The commit it was given on. */
  headCommit: string;
  /** False when it no longer counts: given on another commit, or dismissed. */
  current: boolean;
  dismissed: boolean;
  /** ISO 8601 */
  createdAt: string;
}

/**
 * The latest review by this person that still counts (on the current commit,
 * not dismissed), if any: the page shows it in place of the form that gave it.
 */
export function currentReviewOf(
  reviews: readonly ReviewView[],
  personId: string,
): ReviewView | null {
  return reviews.findLast((r) => r.reviewer.id === personId && r.current && !r.dismissed) ?? null;
}

/** A promotion's reviews and where it stands against its environment's approval policy. */
export interface PromotionApprovals {
  policy: { required: number; team: string | null; autoMerge: boolean };
  standing: ApprovalStanding;
  /** Oldest first. */
  reviews: ReviewView[];
}

/** What `approvalsOf` needs of a promotion row, for reading in bulk (the approvals inbox). */
export const approvalsSelect = {
  kind: true,
  headCommit: true,
  requestedById: true,
  requestedByEmail: true,
  requestedBy: { select: { gitLogin: true } },
  toEnvironment: { select: { policy: true } },
  approvals: {
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: { user: { select: { teams: true } } },
  },
} satisfies Prisma.PromotionSelect;

export type ApprovalsRow = Prisma.PromotionGetPayload<{ select: typeof approvalsSelect }>;

/**
 * The reviews of a promotion and its approval standing. `liveHead` is the
 * pull request's head as the Git host shows it now, when known: a head that
 * is no longer the commit Gantry made (someone pushed to the branch) makes
 * every approval stop counting, and says so.
 */
export async function promotionApprovals(params: {
  db: Reader;
  promotionId: string;
  liveHead?: string | null;
}): Promise<PromotionApprovals> {
  const row = await params.db.promotion.findUniqueOrThrow({
    where: { id: params.promotionId },
    select: approvalsSelect,
  });
  return approvalsOf(row, params.liveHead ?? null);
}

/** The same, for a row read with `approvalsSelect`. */
export function approvalsOf(row: ApprovalsRow, liveHead: string | null): PromotionApprovals {
  const policy = policyForKind(readPolicy(row.toEnvironment.policy), row.kind);
  const head = liveHead ?? row.headCommit;
  const reviews: PolicyReview[] = row.approvals.map((approval) => ({
    userId: approval.userId,
    reviewerName: approval.reviewerName,
    reviewerLogin: approval.reviewerLogin,
    reviewerEmail: approval.reviewerEmail,
    teams: approval.user?.teams ?? [],
    decision: approval.decision,
    headCommit: approval.headCommit,
    createdAt: approval.createdAt,
    dismissed: approval.dismissedAt !== null,
  }));
  const standing = standingAt({ row, policy, head, reviews });
  return {
    policy: {
      required: policy.approvals.required,
      team: policy.approvals.team,
      autoMerge: policy.autoMerge,
    },
    standing,
    reviews: row.approvals.map((approval) => ({
      id: approval.id,
      decision: approval.decision,
      reviewer: {
        id: approval.userId,
        name: approval.reviewerName,
        login: approval.reviewerLogin,
      },
      comment: approval.comment,
      source: approval.source === "git" ? "git" : "portal",
      headCommit: approval.headCommit,
      current: approval.dismissedAt === null && approval.headCommit === head,
      dismissed: approval.dismissedAt !== null,
      createdAt: approval.createdAt.toISOString(),
    })),
  };
}

/**
 * The policy a promotion of `kind` is held to: a rollback needs the rollback's number of
 * approvals, counted from the same team.
 */
function policyForKind(policy: EnvironmentPolicy, kind: PromotionKind): EnvironmentPolicy {
  if (kind !== "rollback") return policy;
  return { ...policy, approvals: { ...policy.approvals, required: policy.rollback.approvals } };
}

function standingAt(params: {
  row: ApprovalsRow;
  policy: EnvironmentPolicy;
  head: string | null;
  reviews: PolicyReview[];
}): ApprovalStanding {
  const { row, policy, head, reviews } = params;
  const standing = approvalStanding({
    policy,
    authorId: row.requestedById,
    authorEmail: row.requestedByEmail,
    authorLogin: row.requestedBy?.gitLogin ?? null,
    // Before the pull request exists nothing can have been reviewed.
    headCommit: head ?? "",
    reviews: head === null ? [] : reviews,
  });
  const extra: string[] = [];
  if (head === null) extra.push("the pull request is not open yet");
  else if (row.headCommit !== null && head !== row.headCommit) {
    extra.push(
      `the pull request has new commits (head ${head.slice(0, 12)}) that Gantry did not make; approvals no longer count: close this promotion and promote again`,
    );
  }
  if (extra.length === 0) return standing;
  return { ...standing, satisfied: false, blockers: [...extra, ...standing.blockers] };
}

/**
 * The review state a standing calls for: `approved` once the policy is
 * satisfied by at least one approval that counts, `pr_open` otherwise.
 * With no approvals required a promotion may merge while `pr_open` (the
 * standing is satisfied); it reads `approved` only once someone approved it.
 * Null when the promotion is already there, or not under review.
 */
export function reviewStateFor(
  state: PromotionState,
  standing: ApprovalStanding,
): PromotionState | null {
  const approved = standing.satisfied && standing.counted > 0;
  if (state === "pr_open" && approved) return "approved";
  if (state === "approved" && !approved) return "pr_open";
  return null;
}

/**
 * Inside `tx`, with the promotion locked in `state`: evaluates the standing
 * over every review recorded so far and moves pr_open ↔ approved when it
 * calls for it. Returns the standing and the state the promotion is in now.
 */
export async function settleReviewState(params: {
  tx: Prisma.TransactionClient;
  promotionId: string;
  state: PromotionState;
  actor: Actor;
  /** What moved it, for the promotion's timeline. */
  detail: string;
  liveHead?: string | null;
}): Promise<{ state: PromotionState; moved: boolean; approvals: PromotionApprovals }> {
  const { tx, promotionId, state } = params;
  const approvals = await promotionApprovals({
    db: tx,
    promotionId,
    liveHead: params.liveHead ?? null,
  });
  const target = reviewStateFor(state, approvals.standing);
  if (target === null) return { state, moved: false, approvals };
  const s = approvals.standing;
  const standingWords = s.satisfied
    ? `${s.counted} of ${s.required} required approvals`
    : s.blockers.join("; ");
  await transition({
    tx,
    promotionId,
    to: target,
    from: [state],
    actor: params.actor,
    detail: `${params.detail} (${standingWords})`,
  });
  return { state: target, moved: true, approvals };
}

/** "needs 1 more approval from prod-approvers", or that it may merge. */
export function standingInWords(standing: ApprovalStanding): string {
  if (!standing.satisfied) return standing.blockers.join("; ");
  if (standing.required === 0) return "no approval required";
  return `approved by ${standing.counted} of ${standing.required} required`;
}
