import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { settleReviewState } from "@/lib/promotion/approval-standing";
import { publishPolicyStatusQuietly } from "@/lib/promotion/policy-status";
import { forgetPullRequestSnapshot } from "@/lib/promotion/pull-request-snapshot";
import {
  type ReviewDecision,
  reviewablePullRequest,
  reviewBody,
} from "@/lib/promotion/review-promotion";
import { lockPromotion } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";
import { loadTrain } from "@/lib/trains/load-train";
import { type TrainStanding, trainStanding } from "@/lib/trains/train-standing";

/**
 * A person approves a train, or asks for changes: one review on its one
 * pull request, recorded on each of its promotions (each Approval names the
 * same host review), with each promotion's state following its own
 * standing, in one transaction. The person must be allowed to approve for
 * every team and environment the train touches.
 */
export async function reviewTrain(params: {
  ctx: PromotionContext;
  trainId: string;
  principal: Principal;
  decision: ReviewDecision;
  comment?: string;
}): Promise<{ reviewId: string; standing: TrainStanding }> {
  const { ctx, principal, decision } = params;
  const comment = (params.comment ?? "").trim();
  if (decision === "request_changes" && comment === "") {
    throw new GantryError("bad_request", "comment: say what should change", {
      details: { field: "comment" },
    });
  }
  const train = await loadTrain(ctx.db, params.trainId);
  for (const resource of train.resources) assertCan(principal, "promotion:approve", resource);
  if (principal.kind !== "person") {
    throw new GantryError("forbidden", "an API token cannot review a train; a person must");
  }
  const open = train.promotions.filter((p) => p.state === "pr_open" || p.state === "approved");
  if (open.length === 0 || train.prNumber === null || train.headCommit === null) {
    throw new GantryError("conflict", "the train has no pull request open for review");
  }
  const head = train.headCommit;
  const pr = await reviewablePullRequest({
    git: ctx.git,
    number: train.prNumber,
    head,
    remedy: "close the train and request a new one",
  });
  const review = await ctx.git.submitReview({
    number: pr.number,
    reviewer: {
      name: principal.name,
      email: principal.email,
      login: principal.gitLogin ?? undefined,
    },
    // GitHub: Gantry's identity opened the pull request and may only comment on it.
    decision: ctx.git.kind === "github" ? "comment" : decision,
    body: reviewBody(decision, principal, comment),
  });
  const actor = actorOf(principal);
  await ctx.db.$transaction(
    async (tx) => {
      const ids = open.map((p) => p.id).sort();
      const states = new Map<string, Awaited<ReturnType<typeof lockPromotion>>>();
      for (const id of ids) states.set(id, await lockPromotion(tx, id));
      await forgetPullRequestSnapshot(tx, ids);
      for (const p of open) {
        const state = states.get(p.id);
        if (state !== "pr_open" && state !== "approved") continue;
        const approval = await tx.approval.upsert({
          where: { promotionId_reviewId: { promotionId: p.id, reviewId: review.id } },
          update: {},
          create: {
            promotionId: p.id,
            decision,
            userId: principal.id,
            reviewerName: principal.name,
            reviewerEmail: principal.email,
            reviewerLogin: principal.gitLogin,
            comment,
            headCommit: head,
            source: "portal",
            reviewId: review.id,
          },
          select: { id: true },
        });
        const settled = await settleReviewState({
          tx,
          promotionId: p.id,
          state,
          actor,
          detail:
            decision === "approve"
              ? `train approved by ${principal.name} in Gantry`
              : `${principal.name} requested changes to the train in Gantry`,
        });
        const standing = settled.approvals.standing;
        await recordAuditEvent(tx, {
          actor,
          action: decision === "approve" ? "approval.given" : "approval.changes_requested",
          target: {
            type: "promotion",
            id: p.id,
            promotionId: p.id,
            application: p.application,
            team: p.team,
            environment: p.environment,
          },
          detail: {
            approvalId: approval.id,
            trainId: train.id,
            source: "portal",
            reviewId: review.id,
            headCommit: head,
            comment,
            counted: standing.counted,
            required: standing.required,
            satisfied: standing.satisfied,
          },
        });
      }
    },
    { maxWait: 10_000, timeout: 5 * 60_000 },
  );
  // The train's one gantry/policy, for all its promotions (see publishPolicyStatus).
  const [first] = open;
  if (first) await publishPolicyStatusQuietly({ ctx, promotionId: first.id });
  return { reviewId: review.id, standing: await trainStanding({ db: ctx.db, trainId: train.id }) };
}
