import { GANTRY_ACTOR } from "@/lib/auth/actor";
import type { PrismaClient, PromotionState } from "@/lib/generated/prisma/client";
import type { PullRequest, PullRequestReview } from "@/lib/git/provider";
import { log } from "@/lib/log";
import { lockPromotion, transition } from "@/lib/promotion/transitions";

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
  | { kind: "approved"; commitSha: string | null; reviewer: string | null }
  | {
      kind: "approval_withdrawn";
      reviewer: string | null;
      why: "changes_requested" | "dismissed" | "no_approval";
    };

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
 * delivery for a promotion Gantry superseded), is left as it is. Never a
 * conflict: GitHub redelivers, and deliveries race the poller and each other.
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
      select: { prNumber: true, headCommit: true },
    });
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
    const via = source === "webhook" ? "GitHub" : "GitHub (poll)";
    const pr = `pull request #${row.prNumber ?? "?"}`;
    await transition({
      tx,
      promotionId,
      to: target,
      from: [state],
      actor: GANTRY_ACTOR,
      detail: changeInWords(change, pr, via),
      data:
        change.kind === "merged" && change.mergeCommit ? { mergeCommit: change.mergeCommit } : {},
    });
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
  change: PullRequestChange,
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
    case "approved":
      // Only an approval of the commit Gantry made counts: what was reviewed is what merges.
      return state === "pr_open" && headCommit !== null && change.commitSha === headCommit
        ? "approved"
        : null;
    case "approval_withdrawn":
      return state === "approved" ? "pr_open" : null;
  }
}

function changeInWords(change: PullRequestChange, pr: string, via: string): string {
  switch (change.kind) {
    case "merged":
      return change.mergeCommit
        ? `${pr} merged as ${change.mergeCommit.slice(0, 12)} on ${via}`
        : `${pr} merged on ${via}`;
    case "closed":
      return `${pr} closed without merging on ${via}`;
    case "head_moved":
      return `new commits on ${pr} (head ${change.headSha.slice(0, 12)}) on ${via}: approval no longer counts`;
    case "approved":
      return `${pr} approved by ${change.reviewer ?? "someone"} on ${via}`;
    case "approval_withdrawn":
      if (change.why === "dismissed") return `an approval of ${pr} was dismissed on ${via}`;
      if (change.why === "no_approval") return `${pr} has no approval of its head on ${via}`;
      return `${change.reviewer ?? "someone"} requested changes on ${pr} on ${via}`;
  }
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
  // Each reviewer's latest verdict counts (comments are not verdicts), as on GitHub.
  const latest = new Map<string, PullRequestReview>();
  for (const review of [...reviews].sort((a, b) => a.submittedAt.localeCompare(b.submittedAt))) {
    if (review.state !== "commented") latest.set(review.reviewer, review);
  }
  const verdicts = [...latest.values()];
  const blocking = verdicts.find((review) => review.state === "changes_requested");
  const approval = verdicts.find(
    (review) => review.state === "approved" && review.commitSha === pull.headSha,
  );
  if (blocking) {
    changes.push({
      kind: "approval_withdrawn",
      reviewer: blocking.reviewer,
      why: "changes_requested",
    });
  } else if (approval) {
    changes.push({ kind: "approved", commitSha: approval.commitSha, reviewer: approval.reviewer });
  } else {
    changes.push({ kind: "approval_withdrawn", reviewer: null, why: "no_approval" });
  }
  return changes;
}
