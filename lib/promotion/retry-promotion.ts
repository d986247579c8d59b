import type { Actor } from "@/lib/auth/actor";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
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
  actor: Actor;
}): Promise<PromotionSummary> {
  const { ctx, actor } = params;
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
