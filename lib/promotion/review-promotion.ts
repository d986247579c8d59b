import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { GitProvider, PullRequest, PullRequestReview } from "@/lib/git/provider";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Person, type Principal } from "@/lib/identity/principal";
import { type PromotionApprovals, settleReviewState } from "@/lib/promotion/approval-standing";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
import { type AutoMergeOutcome, autoMergeIfSatisfied } from "@/lib/promotion/merge-promotion";
import { publishPolicyStatusQuietly } from "@/lib/promotion/policy-status";
import { promotionResource } from "@/lib/promotion/promotion-resource";
import { forgetPullRequestSnapshot } from "@/lib/promotion/pull-request-snapshot";
import { assertNotInTrain } from "@/lib/promotion/train-member";
import { lockPromotion } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";

export type ReviewDecision = "approve" | "request_changes";

const MAX_REVIEW_COMMENT_LENGTH = 4000;

/** What a review takes besides the promotion, from the portal's buttons and POST /api/v1/promotions/{id}/reviews. */
export const ReviewPromotionInput = z.strictObject({
  decision: z.enum(["approve", "request_changes"], {
    error: 'expected "approve" or "request_changes"',
  }),
  comment: z
    .string({ error: "expected text" })
    .max(MAX_REVIEW_COMMENT_LENGTH, `at most ${MAX_REVIEW_COMMENT_LENGTH} characters`)
    .optional(),
});
export type ReviewPromotionInput = z.infer<typeof ReviewPromotionInput>;

export interface ReviewPromotionResult {
  promotion: PromotionSummary;
  approvalId: string;
  /** The review on the Git host (a review record on the local provider). */
  reviewId: string;
  approvals: PromotionApprovals;
  /** What auto-merge did, when the environment has it. */
  autoMerge: AutoMergeOutcome;
}

/**
 * A person approves a promotion, or asks for changes with a comment.
 *
 * The review lands on the pull request first, then is recorded: the
 * Approval row (with the host's review id), its audit event and the state
 * it leads to (pr_open ↔ approved, by the environment's approval standing)
 * in one transaction. Posting first means Gantry never counts an approval
 * the pull request does not show. A crash between the two, or an answer
 * lost on the way back, leaves a review on the host that no Approval
 * names: the retry finds it (same commit, same words, not yet recorded)
 * and records it instead of posting a second one.
 *
 * Who the review is by on the host: on the local provider the person
 * themselves. On GitHub Gantry's own identity (App or token) posts it,
 * naming the person in the body, and as a COMMENT: that identity opened
 * the pull request, and GitHub refuses both approving and requesting
 * changes on one's own pull request. Gantry's policy, not GitHub's review
 * count, is what gates the merge; GitHub's picks up only reviews people
 * give there (see pull-request-sync).
 */
export async function reviewPromotion(params: {
  ctx: PromotionContext;
  promotionId: string;
  principal: Principal;
  decision: ReviewDecision;
  comment?: string;
}): Promise<ReviewPromotionResult> {
  const { ctx, promotionId, principal, decision } = params;
  const comment = (params.comment ?? "").trim();
  if (decision === "request_changes" && comment === "") {
    throw new GantryError("bad_request", "comment: say what should change", {
      details: { field: "comment" },
    });
  }
  if (comment.length > MAX_REVIEW_COMMENT_LENGTH) {
    throw new GantryError(
      "bad_request",
      `comment: at most ${MAX_REVIEW_COMMENT_LENGTH} characters (got ${comment.length})`,
      { details: { field: "comment" } },
    );
  }
  const resource = await promotionResource(ctx.db, promotionId);
  assertCan(principal, "promotion:approve", resource);
  await assertNotInTrain(ctx.db, promotionId, "review");
  const person = asPerson(principal);

  const row = await ctx.db.promotion.findUniqueOrThrow({
    where: { id: promotionId },
    select: {
      state: true,
      prNumber: true,
      headCommit: true,
      application: { select: { slug: true } },
    },
  });
  assertReviewable(row.state);
  if (row.prNumber === null || row.headCommit === null) {
    throw new GantryError("conflict", "the promotion has no pull request recorded");
  }
  const head = row.headCommit;
  const pr = await reviewablePullRequest({
    git: ctx.git,
    number: row.prNumber,
    head,
    remedy: "close this promotion and promote again",
  });

  const body = reviewBody(decision, person, comment);
  const hostDecision = hostDecisionFor(ctx.git, decision);
  const review =
    (await unrecordedReview({ ctx, promotionId, number: pr.number, head, body, hostDecision })) ??
    (await ctx.git.submitReview({
      number: pr.number,
      reviewer: { name: person.name, email: person.email, login: person.gitLogin ?? undefined },
      decision: hostDecision,
      body,
    }));

  const recorded = await ctx.db.$transaction(async (tx) => {
    const state = await lockPromotion(tx, promotionId);
    const known = await tx.approval.findUnique({
      where: { promotionId_reviewId: { promotionId, reviewId: review.id } },
      select: { id: true },
    });
    if (known) {
      // Recorded by a request that raced this one with the same review.
      const settled = await settleReviewState({
        tx,
        promotionId,
        state,
        actor: actorOf(principal),
        detail: "review recorded",
      });
      return { approvalId: known.id, approvals: settled.approvals };
    }
    // The review is on the pull request now: the stored copy no longer shows it.
    await forgetPullRequestSnapshot(tx, [promotionId]);
    const approval = await tx.approval.create({
      data: {
        promotionId,
        decision,
        userId: person.id,
        reviewerName: person.name,
        reviewerEmail: person.email,
        reviewerLogin: person.gitLogin,
        comment,
        headCommit: head,
        source: "portal",
        reviewId: review.id,
      },
      select: { id: true },
    });
    const settled = await settleReviewState({
      tx,
      promotionId,
      state,
      actor: actorOf(principal),
      detail:
        decision === "approve"
          ? `approved by ${person.name} in Gantry`
          : `${person.name} requested changes in Gantry`,
    });
    const standing = settled.approvals.standing;
    await recordAuditEvent(tx, {
      actor: actorOf(principal),
      action: decision === "approve" ? "approval.given" : "approval.changes_requested",
      target: {
        type: "promotion",
        id: promotionId,
        promotionId,
        application: row.application.slug,
        team: resource.team,
        environment: resource.environment,
      },
      detail: {
        approvalId: approval.id,
        source: "portal",
        reviewId: review.id,
        headCommit: head,
        comment,
        counted: standing.counted,
        required: standing.required,
        satisfied: standing.satisfied,
      },
    });
    return { approvalId: approval.id, approvals: settled.approvals };
  });

  await publishPolicyStatusQuietly({ ctx, promotionId });
  const autoMerge: AutoMergeOutcome = recorded.approvals.standing.satisfied
    ? await autoMergeIfSatisfied({ ctx, promotionId })
    : { kind: "not_due" };
  return {
    promotion: await loadPromotionSummary(ctx.db, promotionId),
    approvalId: recorded.approvalId,
    reviewId: review.id,
    approvals: recorded.approvals,
    autoMerge,
  };
}

function asPerson(principal: Principal): Person {
  // assertCan refuses tokens already; this keeps the type honest.
  if (principal.kind !== "person") {
    throw new GantryError("forbidden", "an API token cannot review a promotion; a person must");
  }
  return principal;
}

function assertReviewable(state: string): void {
  if (state === "pr_open" || state === "approved") return;
  throw new GantryError(
    "conflict",
    state === "planned"
      ? "the pull request is not open yet; wait for it to be opened"
      : `a promotion that is ${state.replace("_", " ")} can no longer be reviewed`,
    { details: { state } },
  );
}

/** The review's words on the host; the same words for the same review, so a retry can find it. */
export function reviewBody(decision: ReviewDecision, person: Person, comment: string): string {
  const verdict = decision === "approve" ? "Approved" : "Changes requested";
  const who = `${verdict} in Gantry by ${person.name} <${person.email}>`;
  return comment ? `${who}: ${comment}` : who;
}

/** GitHub: a comment review by Gantry's identity, the pull request's author (see reviewPromotion). */
function hostDecisionFor(
  git: GitProvider,
  decision: ReviewDecision,
): "approve" | "request_changes" | "comment" {
  return git.kind === "github" ? "comment" : decision;
}

const HOST_STATE = {
  approve: "approved",
  request_changes: "changes_requested",
  comment: "commented",
} as const;

/**
 * A review with these words on this commit that no Approval of the
 * promotion names yet: left by an attempt that posted and then failed to
 * record. Null when there is none.
 */
async function unrecordedReview(params: {
  ctx: PromotionContext;
  promotionId: string;
  number: number;
  head: string;
  body: string;
  hostDecision: "approve" | "request_changes" | "comment";
}): Promise<PullRequestReview | null> {
  const { ctx, promotionId } = params;
  const [reviews, recorded] = await Promise.all([
    ctx.git.listReviews(params.number),
    ctx.db.approval.findMany({
      where: { promotionId, reviewId: { not: null } },
      select: { reviewId: true },
    }),
  ]);
  const known = new Set(recorded.map((approval) => approval.reviewId));
  return (
    reviews.find(
      (review) =>
        !known.has(review.id) &&
        review.commitSha === params.head &&
        review.state === HOST_STATE[params.hostDecision] &&
        // GitHub's provider appends who it is on behalf of.
        (review.body === params.body || review.body.startsWith(`${params.body}\n`)),
    ) ?? null
  );
}

/**
 * The pull request a review lands on: still open, and at the head Gantry
 * committed (new commits on it were not what the reviewer saw planned).
 */
export async function reviewablePullRequest(params: {
  git: GitProvider;
  number: number;
  head: string;
  /** What to do instead when someone else pushed to the branch. */
  remedy: string;
}): Promise<PullRequest> {
  const pr = await params.git.getPullRequest(params.number);
  if (pr.state !== "open") {
    throw new GantryError(
      "conflict",
      `pull request #${pr.number} is ${pr.state}; it can no longer be reviewed`,
    );
  }
  if (pr.headSha !== params.head) {
    throw new GantryError(
      "conflict",
      `pull request #${pr.number} has new commits (head ${pr.headSha.slice(0, 12)}) that Gantry did not make; ${params.remedy}`,
    );
  }
  return pr;
}
