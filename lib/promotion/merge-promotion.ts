import { assertCan } from "@/lib/auth/permissions";
import { actorOf, type Principal } from "@/lib/auth/principal";
import { GantryError } from "@/lib/errors";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
import { promotionResource } from "@/lib/promotion/promotion-resource";
import { type CatalogueRefresh, reimportAfterMerge } from "@/lib/promotion/reimport-catalogue";
import { lockPromotion, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";

export interface MergePromotionResult {
  promotion: PromotionSummary;
  mergeCommit: string;
  /** The catalogue re-import after the merge; an error as data (the merge itself stands). */
  catalogue: CatalogueRefresh;
}

/**
 * Merges a promotion's pull request (merge commit or squash, per
 * `ctx.mergeMethod`), records `merged`, and re-imports the catalogue so it
 * shows the new desired version.
 *
 * The merge is refused when the branch head is no longer the commit
 * Gantry made (someone pushed to it): what was reviewed is what merges.
 * A pull request merged already (a retry after a crash, or merged on the
 * host) is recorded, not merged again.
 */
export async function mergePromotion(params: {
  ctx: PromotionContext;
  promotionId: string;
  principal: Principal;
}): Promise<MergePromotionResult> {
  const { ctx, principal } = params;
  assertCan(principal, "promotion:merge", await promotionResource(ctx.db, params.promotionId));
  const actor = actorOf(principal);
  const before = await loadPromotionSummary(ctx.db, params.promotionId);
  if (before.state !== "pr_open" && before.state !== "approved") {
    throw new GantryError(
      "conflict",
      before.state === "planned"
        ? "the pull request is not open yet; wait for it to be opened"
        : `a promotion that is ${before.state.replace("_", " ")} cannot be merged`,
      { details: { state: before.state } },
    );
  }
  const row = await ctx.db.promotion.findUniqueOrThrow({
    where: { id: before.id },
    select: { prNumber: true, headCommit: true },
  });
  if (row.prNumber === null || row.headCommit === null) {
    throw new GantryError("conflict", "the promotion has no pull request recorded");
  }
  const pr = await ctx.git.getPullRequest(row.prNumber);
  let mergeCommit: string;
  if (pr.state === "merged" && pr.mergeCommitSha) {
    mergeCommit = pr.mergeCommitSha;
  } else if (pr.state === "closed") {
    throw new GantryError(
      "conflict",
      `pull request #${pr.number} was closed without merging; close the promotion or promote again`,
    );
  } else {
    ({ sha: mergeCommit } = await ctx.git.mergePullRequest({
      number: pr.number,
      expectedHeadSha: row.headCommit,
      method: ctx.mergeMethod,
      message: `${pr.title} (#${pr.number})`,
      mergedBy: actor,
    }));
  }

  await ctx.db.$transaction(async (tx) => {
    // GitHub's webhook for this very merge may have recorded it first.
    if ((await lockPromotion(tx, before.id)) === "merged") return;
    await transition({
      tx,
      promotionId: before.id,
      to: "merged",
      from: ["pr_open", "approved"],
      actor,
      detail: `pull request #${pr.number} merged as ${mergeCommit.slice(0, 12)}`,
      data: { mergeCommit },
    });
  });

  const catalogue = await reimportAfterMerge({ ctx, trigger: "manual" });
  return {
    promotion: await loadPromotionSummary(ctx.db, before.id),
    mergeCommit,
    catalogue,
  };
}
