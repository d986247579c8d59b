import { listPromotionEvents, type PromotionEventView } from "@/lib/audit/list-promotion-events";
import { isGantryError } from "@/lib/errors";
import type { CheckSummary, PullRequest, PullRequestReview } from "@/lib/git/provider";
import { logUnexpected } from "@/lib/log";
import { type PromotionApprovals, promotionApprovals } from "@/lib/promotion/approval-standing";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
import type { PromotionContext } from "@/lib/promotion/types";

interface LivePullRequest {
  pullRequest: PullRequest;
  reviews: PullRequestReview[];
  checks: CheckSummary;
}

export interface PromotionDetail extends PromotionSummary {
  planDiff: string;
  valuesPath: string;
  baseCommit: string;
  headCommit: string | null;
  /** Oldest first. */
  events: PromotionEventView[];
  /**
   * The pull request as the Git host shows it now; null before it is opened,
   * an error (as data) when the host cannot be read: the page still renders.
   */
  live: { ok: true; value: LivePullRequest } | { ok: false; error: string } | null;
  /** Its reviews (portal and Git host) and where it stands against the environment's approval policy. */
  approvals: PromotionApprovals;
}

/** Everything the promotion page shows. Throws not_found for an unknown id. */
export async function getPromotion(params: {
  ctx: Pick<PromotionContext, "db" | "git">;
  promotionId: string;
}): Promise<PromotionDetail> {
  const { db, git } = params.ctx;
  const summary = await loadPromotionSummary(db, params.promotionId);
  const [row, events] = await Promise.all([
    db.promotion.findUniqueOrThrow({
      where: { id: summary.id },
      select: { planDiff: true, valuesPath: true, baseCommit: true, headCommit: true },
    }),
    listPromotionEvents({ db, promotionId: summary.id }),
  ]);

  let live: PromotionDetail["live"] = null;
  if (summary.prNumber !== null) {
    const number = summary.prNumber;
    try {
      const pullRequest = await git.getPullRequest(number);
      const [reviews, checks] = await Promise.all([
        git.listReviews(number),
        git.getChecks(pullRequest.headSha),
      ]);
      live = { ok: true, value: { pullRequest, reviews, checks } };
    } catch (error) {
      live = {
        ok: false,
        error: isGantryError(error)
          ? error.message
          : `the pull request could not be read (error id ${logUnexpected(error, { promotionId: summary.id })})`,
      };
    }
  }

  const approvals = await promotionApprovals({
    db,
    promotionId: summary.id,
    liveHead:
      live?.ok && live.value.pullRequest.state === "open" ? live.value.pullRequest.headSha : null,
  });

  return {
    ...summary,
    ...row,
    approvals,
    events,
    live,
  };
}
