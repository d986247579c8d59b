import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { supersededComment } from "@/lib/promotion/pull-request-text";
import type { PromotionContext } from "@/lib/promotion/types";

/**
 * Closes the still-open pull requests of promotions that `newer` superseded,
 * each with a comment linking the newer one. Safe to repeat: a closed pull
 * request is left alone (a crash between comment and close may comment twice).
 */
export async function closeSupersededPullRequests(params: {
  ctx: PromotionContext;
  newer: { id: string; version: string };
}): Promise<number> {
  const { ctx, newer } = params;
  const older = await ctx.db.promotion.findMany({
    // A train's pull request is shared by its other applications: it stays open, and the train
    // cannot merge with one of them superseded.
    where: { supersededById: newer.id, prNumber: { not: null }, trainId: null },
    select: { prNumber: true },
  });
  let closed = 0;
  for (const { prNumber } of older) {
    if (prNumber === null) continue;
    if (
      await closeWithComment({
        ctx,
        number: prNumber,
        body: supersededComment({
          publicUrl: ctx.publicUrl,
          newerId: newer.id,
          version: newer.version,
        }),
      })
    )
      closed++;
  }
  return closed;
}

/** Comments on and closes a pull request if it is open; false when it was not. */
export async function closeWithComment(params: {
  ctx: PromotionContext;
  number: number;
  body: string;
}): Promise<boolean> {
  const { ctx, number, body } = params;
  const pr = await ctx.git.getPullRequest(number);
  if (pr.state !== "open") return false;
  await ctx.git.addComment({ number, body, author: GANTRY_ACTOR });
  await ctx.git.closePullRequest(number);
  return true;
}
