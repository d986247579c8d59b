import { z } from "zod";
import { GantryError } from "@/lib/errors";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { MAX_REASON_LENGTH } from "@/lib/promotion/request-promotion";
import { closeWithComment } from "@/lib/promotion/supersede";
import { lockPromotion, OPEN_STATES, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";
import { loadTrain } from "@/lib/trains/load-train";

/** What closing a train takes besides the train: why (optional), for the comment and the audit. */
export const CloseTrainInput = z.strictObject({
  reason: z
    .string()
    .trim()
    .max(MAX_REASON_LENGTH, `at most ${MAX_REASON_LENGTH} characters`)
    .optional(),
});

/**
 * Gives up on a train that has not merged: closes its one pull request
 * (with a comment saying who and why), then records `closed` on each of its
 * promotions still open, in one transaction. The pull request is closed
 * first, so a failure leaves the train open to try again.
 */
export async function closeTrain(params: {
  ctx: PromotionContext;
  trainId: string;
  principal: Principal;
  reason?: string;
}): Promise<{ closed: number }> {
  const { ctx, principal } = params;
  const train = await loadTrain(ctx.db, params.trainId);
  for (const resource of train.resources) assertCan(principal, "promotion:close", resource);
  const actor = actorOf(principal);
  const open = train.promotions.filter((p) => OPEN_STATES.includes(p.state));
  if (open.length === 0) {
    throw new GantryError(
      "conflict",
      "no application of this train is still open; nothing to close",
    );
  }
  const reason = params.reason?.trim().replace(/\s+/g, " ").slice(0, MAX_REASON_LENGTH);
  if (train.prNumber !== null) {
    await closeWithComment({
      ctx,
      number: train.prNumber,
      body: `Release train closed in Gantry by ${actor.name}${reason ? `: ${reason}` : "."}`,
    });
  }
  const closed = await ctx.db.$transaction(
    async (tx) => {
      const ids = open.map((p) => p.id).sort();
      const states = new Map<string, string>();
      for (const id of ids) states.set(id, await lockPromotion(tx, id));
      let count = 0;
      for (const id of ids) {
        const state = states.get(id);
        if (!OPEN_STATES.some((open) => open === state)) continue;
        await transition({
          tx,
          promotionId: id,
          to: "closed",
          actor,
          detail: `release train closed${reason ? `: ${reason}` : ""}`,
        });
        count += 1;
      }
      return count;
    },
    { maxWait: 10_000, timeout: 5 * 60_000 },
  );
  return { closed };
}
