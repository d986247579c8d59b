import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
import { promotionResource } from "@/lib/promotion/promotion-resource";
import { assertNotInTrain } from "@/lib/promotion/train-member";
import { transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";

/**
 * Tries a failed promotion again: back to `planned` and a new job, in one
 * transaction. The job picks up whatever the failed attempts left behind
 * (branch, commit, pull request) instead of making them again.
 */
export async function retryPromotion(params: {
  ctx: PromotionContext;
  promotionId: string;
  principal: Principal;
}): Promise<PromotionSummary> {
  const { ctx, principal } = params;
  assertCan(principal, "promotion:retry", await promotionResource(ctx.db, params.promotionId));
  await assertNotInTrain(ctx.db, params.promotionId, "retry");
  const actor = actorOf(principal);
  const promotion = await loadPromotionSummary(ctx.db, params.promotionId);
  await ctx.db.$transaction(async (tx) => {
    await transition({
      tx,
      promotionId: promotion.id,
      to: "planned",
      from: ["failed"],
      actor,
      detail: `retry after: ${promotion.failureReason ?? "a failure"}`,
      data: { failureReason: null },
    });
    await ctx.jobs.enqueueOpenPullRequest({ promotionId: promotion.id, tx });
  });
  return loadPromotionSummary(ctx.db, promotion.id);
}
