import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Prisma, PrismaClient, PromotionState } from "@/lib/generated/prisma/client";
import type { PullRequest, PullRequestReview } from "@/lib/git/provider";
import { type Actor, GANTRY_ACTOR } from "@/lib/identity/actor";
import { log } from "@/lib/log";
import { settleReviewState } from "@/lib/promotion/approval-standing";
import { lockPromotion, transition } from "@/lib/promotion/transitions";

/** A review as the Git host reports it, from a webhook delivery or the list of a pull request's reviews. */
export interface HostReview {
  /** The host's id of the review: each is recorded once. */
  id: string;
  /** The reviewer's login on the host; null for a deleted account. */
  reviewer: string | null;
  state: "approved" | "changes_requested" | "commented" | "dismissed";
  body: string;
  /** The commit the review was given on. */
  commitSha: string | null;
  submittedAt: Date | null;
}

/**
 * What the Git host says happened to a promotion's pull request, from a
 * webhook delivery or from the poller: both map it to the promotion the
 * same way, here.
 */
export type PullRequestChange =
  | { kind: "merged"; mergeCommit: string | null; mergedAt: Date | null }
  | { kind: "closed" }
  /** New commits on the branch: an approval of an older head no longer counts. */
  | { kind: "head_moved"; headSha: string }
  /**
   * Reviews as the host shows them. Each verdict becomes an Approval row
   * (source git) once, by its review id; a dismissal stops the one it names
   * from counting; then the state follows the environment's approval
   * standing over every review, from the portal and from the host alike.
   * `headSha` is the pull request's head when known (the poller read it).
   */
  | { kind: "reviews"; reviews: HostReview[]; headSha: string | null };

export type ChangeSource = "webhook" | "poll";

export interface AppliedChange {
  promotionId: string;
  /** False when the promotion was already there (a replay) or the change does not apply to it. */
  changed: boolean;
  state: PromotionState;
}

/**
 * Applies `change` to a promotion, idempotently: a promotion already in the
 * state the change leads to, or in one it cannot lead from (a `closed`
 * delivery for a promotion Gantry superseded), is left as it is, and a
 * review already recorded is not recorded again. Never a conflict: GitHub
 * redelivers, and deliveries race the poller and each other.
 */
export async function applyPullRequestChange(params: {
  db: PrismaClient;
  promotionId: string;
  change: PullRequestChange;
  source: ChangeSource;
}): Promise<AppliedChange> {
  const { db, promotionId, change, source } = params;
  return db.$transaction(async (tx) => {
    const state = await lockPromotion(tx, promotionId);
    const row = await tx.promotion.findUniqueOrThrow({
      where: { id: promotionId },
      select: { prNumber: true, headCommit: true, policyStatus: true },
    });
    const via = source === "webhook" ? "GitHub" : "GitHub (poll)";
    const pr = `pull request #${row.prNumber ?? "?"}`;
    if (change.kind === "reviews") {
      return applyReviews({ tx, promotionId, state, change, pr, via });
    }
    const target = targetState(state, row.headCommit, change);
    if (target === null) {
      log.debug("pull request change does not move the promotion", {
        promotionId,
        state,
        change: change.kind,
        source,
      });
      return { promotionId, changed: false, state };
    }
    // Gantry posts success before it merges; a merge seen while the status said otherwise was
    // made on the host around the policy (branch protection does not require gantry/policy).
    const outsidePolicy = change.kind === "merged" && row.policyStatus !== "success";
    await transition({
      tx,
      promotionId,
      to: target,
      from: [state],
      actor: GANTRY_ACTOR,
      detail: changeInWords(change, pr, via),
      data: {
        ...(change.kind === "merged" && change.mergeCommit
          ? { mergeCommit: change.mergeCommit }
          : {}),
        ...(outsidePolicy ? { mergedOutsidePolicy: true } : {}),
      },
    });
    if (outsidePolicy) {
      const target = await tx.promotion.findUniqueOrThrow({
        where: { id: promotionId },
        select: {
          application: { select: { slug: true, team: { select: { slug: true } } } },
          toEnvironment: { select: { name: true } },
        },
      });
      await recordAuditEvent(tx, {
        actor: GANTRY_ACTOR,
        action: "promotion.merged_outside_policy",
        outcome: "failure",
        target: {
          type: "promotion",
          id: promotionId,
          promotionId,
          application: target.application.slug,
          team: target.application.team.slug,
          environment: target.toEnvironment.name,
        },
        detail: {
          pullRequest: row.prNumber,
          policyStatus: row.policyStatus ?? "not posted",
          mergeCommit: change.kind === "merged" ? change.mergeCommit : null,
          via,
        },
      });
    }
    if (change.kind === "merged" && change.mergedAt) {
      // The host's time of the merge, not the time Gantry heard of it.
      await tx.promotion.update({
        where: { id: promotionId },
        data: { mergedAt: change.mergedAt },
      });
    }
    return { promotionId, changed: true, state: target };
  });
}

/** Where `change` takes a promotion in `state`, or null when it leaves it where it is. */
export function targetState(
  state: PromotionState,
  headCommit: string | null,
  change: Exclude<PullRequestChange, { kind: "reviews" }>,
): PromotionState | null {
  switch (change.kind) {
    case "merged":
      return state === "pr_open" || state === "approved" ? "merged" : null;
    case "closed":
      // Closed already, superseded (Gantry closed it), merged or later: nothing to record.
      return state === "planned" ||
        state === "pr_open" ||
        state === "approved" ||
        state === "failed"
        ? "closed"
        : null;
    case "head_moved":
      return state === "approved" && change.headSha !== headCommit ? "pr_open" : null;
  }
}

/**
 * Records the reviews a promotion under review does not have yet, applies
 * dismissals, and settles pr_open ↔ approved by the approval standing.
 * Reviews of promotions that left review are history on the host only.
 */
async function applyReviews(params: {
  tx: Prisma.TransactionClient;
  promotionId: string;
  state: PromotionState;
  change: Extract<PullRequestChange, { kind: "reviews" }>;
  pr: string;
  via: string;
}): Promise<AppliedChange> {
  const { tx, promotionId, state, change, pr, via } = params;
  if (state !== "pr_open" && state !== "approved") {
    return { promotionId, changed: false, state };
  }
  const target = await tx.promotion.findUniqueOrThrow({
    where: { id: promotionId },
    select: {
      application: { select: { slug: true, team: { select: { slug: true } } } },
      toEnvironment: { select: { name: true } },
    },
  });
  const audit = {
    type: "promotion" as const,
    id: promotionId,
    promotionId,
    application: target.application.slug,
    team: target.application.team.slug,
    environment: target.toEnvironment.name,
  };
  const words: string[] = [];
  // The host's times have whole seconds: two reviews by one person in the same second must
  // still be told apart, so each new row is later than every row before it (the latest counts).
  const latest = await tx.approval.findFirst({
    where: { promotionId },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true },
  });
  let floor = latest?.createdAt.getTime() ?? 0;
  const ordered = [...change.reviews].sort(
    (a, b) => (a.submittedAt?.getTime() ?? 0) - (b.submittedAt?.getTime() ?? 0),
  );
  for (const review of ordered) {
    // Comments are not verdicts (Gantry's own reviews on GitHub are comments: recorded already).
    if (review.state === "commented") continue;
    if (review.state === "dismissed") {
      const dismissed = await tx.approval.findFirst({
        where: { promotionId, reviewId: review.id, dismissedAt: null },
        select: { id: true, reviewerName: true, userId: true, reviewerEmail: true },
      });
      if (!dismissed) continue;
      await tx.approval.update({ where: { id: dismissed.id }, data: { dismissedAt: new Date() } });
      words.push(`a review by ${dismissed.reviewerName} was dismissed`);
      await recordAuditEvent(tx, {
        actor: GANTRY_ACTOR,
        action: "approval.dismissed",
        target: audit,
        detail: { approvalId: dismissed.id, source: "git", reviewId: review.id, via },
      });
      continue;
    }
    const known = await tx.approval.findUnique({
      where: { promotionId_reviewId: { promotionId, reviewId: review.id } },
      select: { id: true },
    });
    if (known) continue;
    const user = review.reviewer
      ? await tx.user.findFirst({
          where: { gitLogin: { equals: review.reviewer, mode: "insensitive" } },
          select: { id: true, name: true, email: true },
        })
      : null;
    const reviewerName = user?.name ?? review.reviewer ?? "a deleted account";
    floor = Math.max((review.submittedAt ?? new Date()).getTime(), floor + 1);
    const decision = review.state === "approved" ? "approve" : "request_changes";
    const approval = await tx.approval.create({
      data: {
        promotionId,
        decision,
        userId: user?.id ?? null,
        reviewerName,
        reviewerEmail: user?.email ?? null,
        reviewerLogin: review.reviewer,
        comment: review.body.slice(0, 65_536),
        // A review without a commit never counts: no head is "".
        headCommit: review.commitSha ?? "",
        source: "git",
        reviewId: review.id,
        createdAt: new Date(floor),
      },
      select: { id: true },
    });
    words.push(
      decision === "approve" ? `approved by ${reviewerName}` : `${reviewerName} requested changes`,
    );
    const actor: Actor = user
      ? { kind: "person", id: user.id, name: user.name, email: user.email }
      : {
          kind: "person",
          id: null,
          name: `${reviewerName} (Git host)`,
          email: `${review.reviewer ?? "ghost"}@users.noreply.github.com`,
        };
    await recordAuditEvent(tx, {
      actor,
      action: decision === "approve" ? "approval.given" : "approval.changes_requested",
      target: audit,
      detail: {
        approvalId: approval.id,
        source: "git",
        reviewId: review.id,
        reviewerLogin: review.reviewer,
        headCommit: review.commitSha,
        via,
      },
    });
  }
  const settled = await settleReviewState({
    tx,
    promotionId,
    state,
    actor: GANTRY_ACTOR,
    detail: `${words.length > 0 ? words.join("; ") : "reviews read again"} on ${pr} on ${via}`,
    liveHead: change.headSha,
  });
  return { promotionId, changed: words.length > 0 || settled.moved, state: settled.state };
}

function changeInWords(
  change: Exclude<PullRequestChange, { kind: "reviews" }>,
  pr: string,
  via: string,
): string {
  switch (change.kind) {
    case "merged":
      return change.mergeCommit
        ? `${pr} merged as ${change.mergeCommit.slice(0, 12)} on ${via}`
        : `${pr} merged on ${via}`;
    case "closed":
      return `${pr} closed without merging on ${via}`;
    case "head_moved":
      return `new commits on ${pr} (head ${change.headSha.slice(0, 12)}) on ${via}: approvals no longer count`;
  }
}

function hostReview(review: PullRequestReview): HostReview {
  const submitted = Date.parse(review.submittedAt);
  return {
    id: review.id,
    reviewer: review.reviewer,
    state: review.state,
    body: review.body,
    commitSha: review.commitSha,
    submittedAt: Number.isFinite(submitted) && submitted > 0 ? new Date(submitted) : null,
  };
}

/**
 * The changes a pull request as read now implies (the poller's view):
 * merged, closed, or open with its head and, when given, its reviews.
 */
export function changesFromPullRequest(
  pull: PullRequest,
  reviews: readonly PullRequestReview[] | null,
): PullRequestChange[] {
  if (pull.state === "merged") {
    return [
      {
        kind: "merged",
        mergeCommit: pull.mergeCommitSha,
        mergedAt: pull.mergedAt ? new Date(pull.mergedAt) : null,
      },
    ];
  }
  if (pull.state === "closed") return [{ kind: "closed" }];
  const changes: PullRequestChange[] = [{ kind: "head_moved", headSha: pull.headSha }];
  if (reviews === null) return changes;
  changes.push({
    kind: "reviews",
    reviews: reviews.filter((review) => review.state !== "commented").map(hostReview),
    headSha: pull.headSha,
  });
  return changes;
}
