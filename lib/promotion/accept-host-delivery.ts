import type { DeliveryMeaning } from "@/lib/promotion/github-events";
import type { PromotionContext } from "@/lib/promotion/types";

/** What became of a delivery: queued for the job runner, ignored, or seen before. */
export type DeliveryReceipt = "queued" | "ignored" | "duplicate";

/**
 * Takes a verified webhook delivery in without doing its work, so the Git
 * host gets its answer at once however much the change sets off (a merge
 * re-imports the catalogue): the delivery is recorded by its id and, when
 * there is something to apply, the job that applies it is queued in the same
 * transaction. A delivery id seen before is a duplicate (GitHub redelivers),
 * and nothing is queued again; an ignored delivery is recorded with why.
 */
export async function acceptHostDelivery(params: {
  ctx: Pick<PromotionContext, "db" | "jobs">;
  deliveryId: string;
  event: string;
  meaning: DeliveryMeaning;
}): Promise<DeliveryReceipt> {
  const { ctx, deliveryId, event, meaning } = params;
  return ctx.db.$transaction(async (tx) => {
    const { count } = await tx.webhookDelivery.createMany({
      data: [{ id: deliveryId, event, ignored: "ignored" in meaning ? meaning.ignored : null }],
      skipDuplicates: true,
    });
    if (count === 0) return "duplicate";
    if ("ignored" in meaning) return "ignored";
    await ctx.jobs.enqueueHostChange({ deliveryId, change: meaning.change, tx });
    return "queued";
  });
}
