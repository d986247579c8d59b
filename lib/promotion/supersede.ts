import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { supersededComment } from "@/lib/promotion/pull-request-text";
import type { PromotionContext } from "@/lib/promotion/types";

/**
 * Closes the still-open pull requests of promotions that `newer` superseded,
 * each with a comment linking the newer one. Safe to repeat: a closed pull
 * request is left alone (a crash between comment and close may comment twice).
 * A train's pull request is never among them: it is shared by the train's
 * other applications, stays open, and the train cannot merge with one of
 * them superseded.
 */
export async function closeSupersededPullRequests(params: {
  ctx: PromotionContext;
  newer: { id: string; version: string };
  /** Their pull request numbers, read with the newer promotion. */
  pullRequests: readonly number[];
}): Promise<number> {
  const { ctx, newer } = params;
  let closed = 0;
  for (const prNumber of params.pullRequests) {
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
