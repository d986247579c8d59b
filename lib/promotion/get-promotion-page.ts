import { getPromotionTimeline, type PromotionTimeline } from "@/lib/audit/get-promotion-timeline";
import { can, refusal } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { currentReviewOf, type ReviewView } from "@/lib/promotion/approval-standing";
import { getPromotion, type PromotionDetail } from "@/lib/promotion/get-promotion";
import { promotionResource } from "@/lib/promotion/promotion-resource";
import type { PromotionContext } from "@/lib/promotion/types";

/** What a promotion's page shows, and what the person may do there. */
export interface PromotionPageView {
  promotion: PromotionDetail;
  /** Its way from request to running; null when the person may not read promotions. */
  timeline: PromotionTimeline | null;
  /**
   * The person's own review that still counts (on the current commit, not
   * dismissed), latest first: the page shows it in place of the form that
   * gave it, since giving the same review again changes nothing.
   */
  myReview: ReviewView | null;
  /** Only to show the buttons: every action checks again on the server. */
  may: { merge: boolean; close: boolean; retry: boolean; reviewRefusal: string | null };
}

/**
 * The view model of /promotions/{id}: the promotion with its pull request as
 * the Git host reports it, its delivery timeline, and which actions the
 * person may take. An unknown promotion is a not_found error.
 */
export async function getPromotionPage(params: {
  ctx: Pick<PromotionContext, "db" | "git">;
  principal: Principal;
  promotionId: string;
}): Promise<PromotionPageView> {
  const { ctx, principal, promotionId } = params;
  const promotion = await getPromotion({ ctx, promotionId });
  const [resource, timeline] = await Promise.all([
    promotionResource(ctx.db, promotion.id),
    can(principal, "promotion:read")
      ? getPromotionTimeline({ db: ctx.db, principal, promotionId: promotion.id })
      : Promise.resolve(null),
  ]);
  return {
    promotion,
    timeline,
    myReview:
      principal.kind === "person"
        ? currentReviewOf(promotion.approvals.reviews, principal.id)
        : null,
    may: {
      merge: can(principal, "promotion:merge", resource),
      close: can(principal, "promotion:close", resource),
      retry: can(principal, "promotion:retry", resource),
      reviewRefusal: refusal(principal, "promotion:approve", resource),
    },
  };
}
