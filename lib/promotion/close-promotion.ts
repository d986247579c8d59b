import { z } from "zod";
import { GantryError } from "@/lib/errors";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
import { promotionResource } from "@/lib/promotion/promotion-resource";
import { MAX_REASON_LENGTH } from "@/lib/promotion/request-promotion";
import { closeWithComment } from "@/lib/promotion/supersede";
import { assertNotInTrain } from "@/lib/promotion/train-member";
import { OPEN_STATES, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";

/** What closing a promotion takes besides the promotion: why (optional), for the comment and the audit. */
export const ClosePromotionInput = z.strictObject({
  reason: z
    .string()
    .trim()
    .max(MAX_REASON_LENGTH, `at most ${MAX_REASON_LENGTH} characters`)
    .optional(),
});
export type ClosePromotionInput = z.infer<typeof ClosePromotionInput>;

/**
 * Gives up on a promotion that has not merged: closes its pull request (with
 * a comment saying who closed it and why) and records `closed`. The pull
 * request is closed first, so a failure leaves the promotion open to try again.
 */
export async function closePromotion(params: {
  ctx: PromotionContext;
  promotionId: string;
  principal: Principal;
  reason?: string;
}): Promise<PromotionSummary> {
  const { ctx, principal } = params;
  assertCan(principal, "promotion:close", await promotionResource(ctx.db, params.promotionId));
  await assertNotInTrain(ctx.db, params.promotionId, "close");
  const actor = actorOf(principal);
  const promotion = await loadPromotionSummary(ctx.db, params.promotionId);
  if (!OPEN_STATES.includes(promotion.state)) {
    throw new GantryError(
      "conflict",
      `a promotion that is ${promotion.state.replace("_", " ")} cannot be closed`,
      { details: { state: promotion.state } },
    );
  }
  const reason = params.reason?.trim().replace(/\s+/g, " ").slice(0, 2_000);
  if (promotion.prNumber !== null) {
    await closeWithComment({
      ctx,
      number: promotion.prNumber,
      body: `Closed in Gantry by ${actor.name}${reason ? `: ${reason}` : "."}`,
    });
  }
  await ctx.db.$transaction(async (tx) => {
    await transition({
      tx,
      promotionId: promotion.id,
      to: "closed",
      from: OPEN_STATES,
      actor,
      detail: reason || undefined,
    });
  });
  return loadPromotionSummary(ctx.db, promotion.id);
}
