import { GantryError } from "@/lib/errors";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { frozenMessage } from "@/lib/policy/describe";
import { activeFreeze } from "@/lib/policy/freeze";
import { readPolicy } from "@/lib/policy/read-policy";
import { publishPolicyStatusQuietly } from "@/lib/promotion/policy-status";
import { type CatalogueRefresh, queueImportAfterMerge } from "@/lib/promotion/reimport-catalogue";
import { lockPromotion, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";
import { loadTrain } from "@/lib/trains/load-train";
import { blockersInWords, trainStanding } from "@/lib/trains/train-standing";

export interface MergeTrainResult {
  mergeCommit: string;
  /** Promotions recorded as merged by this call. */
  merged: number;
  catalogue: CatalogueRefresh;
}

/**
 * Merges a train's one pull request and records `merged` on every one of
 * its promotions, in one transaction. Refused unless every application's
 * policy is met (the union: the message groups what is missing), while an
 * environment is frozen (unless the train broke the freeze with a reason),
 * and while an application of it has left the train (superseded, closed,
 * failed): the commit would still change its files.
 */
export async function mergeTrain(params: {
  ctx: PromotionContext;
  trainId: string;
  principal: Principal;
}): Promise<MergeTrainResult> {
  const { ctx, principal } = params;
  const train = await loadTrain(ctx.db, params.trainId);
  for (const resource of train.resources) assertCan(principal, "promotion:merge", resource);
  const actor = actorOf(principal);
  const left = train.promotions.filter((p) => !["pr_open", "approved", "merged"].includes(p.state));
  if (left.length > 0) {
    const first = left[0];
    throw new GantryError(
      "conflict",
      first?.state === "planned"
        ? "the train's pull request is not open yet; wait for it to be opened"
        : `${left
            .map((p) => `${p.application} is ${p.state.replace("_", " ")}`)
            .slice(0, 5)
            .join(", ")}: the train cannot merge as it is; close it and request a new one`,
      { details: { applications: left.map((p) => p.application) } },
    );
  }
  if (train.prNumber === null || train.headCommit === null) {
    throw new GantryError("conflict", "the train has no pull request recorded");
  }
  const pr = await ctx.git.getPullRequest(train.prNumber);
  let mergeCommit: string;
  if (pr.state === "merged" && pr.mergeCommitSha) {
    mergeCommit = pr.mergeCommitSha;
  } else if (pr.state === "closed") {
    throw new GantryError(
      "conflict",
      `pull request #${pr.number} was closed without merging; close the train or request a new one`,
    );
  } else {
    const standing = await trainStanding({ db: ctx.db, trainId: train.id, liveHead: pr.headSha });
    if (!standing.satisfied) {
      throw new GantryError(
        "conflict",
        `the train's policies are not all met yet: ${blockersInWords(standing.blockers)}`,
        { details: { blockers: standing.blockers } },
      );
    }
    await assertNotFrozen(ctx, train.id);
    // Success on the head first: a repository that requires gantry/policy merges only then.
    const [first] = train.promotions;
    if (first) await publishPolicyStatusQuietly({ ctx, promotionId: first.id });
    ({ sha: mergeCommit } = await ctx.git.mergePullRequest({
      number: pr.number,
      expectedHeadSha: train.headCommit,
      method: ctx.mergeMethod,
      message: `${pr.title} (#${pr.number})`,
      mergedBy: actor,
    }));
  }

  const merged = await ctx.db.$transaction(
    async (tx) => {
      const ids = train.promotions.map((p) => p.id).sort();
      const states = new Map<string, string>();
      for (const id of ids) states.set(id, await lockPromotion(tx, id));
      let count = 0;
      for (const id of ids) {
        const state = states.get(id);
        if (state !== "pr_open" && state !== "approved") continue;
        await transition({
          tx,
          promotionId: id,
          to: "merged",
          from: ["pr_open", "approved"],
          actor,
          detail: `train pull request #${pr.number} merged as ${mergeCommit.slice(0, 12)}`,
          data: { mergeCommit },
        });
        count += 1;
      }
      return count;
    },
    { maxWait: 10_000, timeout: 5 * 60_000 },
  );
  const catalogue = await queueImportAfterMerge({
    ctx,
    reason: `train pull request #${pr.number} merged as ${mergeCommit.slice(0, 12)}`,
  });
  return { mergeCommit, merged, catalogue };
}

/** A freeze holds a train back unless it broke the freeze with a reason when it was requested. */
async function assertNotFrozen(ctx: PromotionContext, trainId: string): Promise<void> {
  const rows = await ctx.db.promotion.findMany({
    where: { trainId, breakGlassReason: null },
    distinct: ["toEnvironmentId"],
    select: { toEnvironment: { select: { name: true, policy: true } } },
  });
  const now = new Date();
  for (const { toEnvironment } of rows) {
    const environment = toEnvironment.name;
    const freeze = activeFreeze(readPolicy(toEnvironment.policy, { environment }), now);
    if (freeze === null) continue;
    throw new GantryError(
      "conflict",
      `${frozenMessage({ environment, until: freeze.until, reason: freeze.reason, now })}; merge the train after the freeze`,
      { details: { frozenUntil: freeze.until.toISOString() } },
    );
  }
}
