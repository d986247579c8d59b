import { listPromotionEvents, type PromotionEventView } from "@/lib/audit/list-promotion-events";
import { isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";
import { type PromotionApprovals, promotionApprovals } from "@/lib/promotion/approval-standing";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
import {
  type LivePullRequest,
  readPullRequestSnapshot,
} from "@/lib/promotion/pull-request-snapshot";
import type { PromotionContext } from "@/lib/promotion/types";

export interface PromotionDetail extends PromotionSummary {
  planDiff: string;
  valuesPath: string;
  baseCommit: string;
  headCommit: string | null;
  /** Oldest first. */
  events: PromotionEventView[];
  /**
   * The pull request as the Git host last showed it (kept in the database and
   * read again from the host only after something changed it, or on
   * `refresh`); null before it is opened, an error (as data) when the host
   * cannot be read: the page still renders.
   */
  live: { ok: true; value: LivePullRequest } | { ok: false; error: string } | null;
  /** Its reviews (portal and Git host) and where it stands against the environment's approval policy. */
  approvals: PromotionApprovals;
}

/**
 * Everything the promotion page shows. Throws not_found for an unknown id.
 * Asks the Git host nothing unless the stored pull request was forgotten
 * (something changed it) or `refresh` asks for it.
 */
export async function getPromotion(params: {
  ctx: Pick<PromotionContext, "db" | "git">;
  promotionId: string;
  refresh?: boolean;
}): Promise<PromotionDetail> {
  const { db } = params.ctx;
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
      const value = await readPullRequestSnapshot({
        ctx: params.ctx,
        promotionId: summary.id,
        prNumber: number,
        refresh: params.refresh,
      });
      live = { ok: true, value };
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
