import { GantryError, isGantryError } from "@/lib/errors";
import type { PromotionState } from "@/lib/generated/prisma/client";
import { type Actor, GANTRY_ACTOR } from "@/lib/identity/actor";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { log, logUnexpected } from "@/lib/log";
import { frozenMessage } from "@/lib/policy/describe";
import { activeFreeze } from "@/lib/policy/freeze";
import { readPolicy } from "@/lib/policy/read-policy";
import { promotionApprovals } from "@/lib/promotion/approval-standing";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { loadPromotionSummary } from "@/lib/promotion/load";
import { publishPolicyStatusQuietly } from "@/lib/promotion/policy-status";
import { promotionResource } from "@/lib/promotion/promotion-resource";
import { type CatalogueRefresh, queueImportAfterMerge } from "@/lib/promotion/reimport-catalogue";
import { assertNotInTrain } from "@/lib/promotion/train-member";
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
 * The merge is refused unless the environment's approval policy is
 * satisfied (the message lists what is missing, in words), and when the
 * branch head is no longer the commit Gantry made (someone pushed to it):
 * what was reviewed is what merges.
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
  await assertNotInTrain(ctx.db, params.promotionId, "merge");
  return mergeUnderPolicy({ ctx, promotionId: params.promotionId, actor: actorOf(principal) });
}

/**
 * The merge itself, for a caller that has checked permission already (or
 * is Gantry: auto-merge). The policy gate is here, so no path merges
 * around it.
 */
async function mergeUnderPolicy(params: {
  ctx: MergeContext;
  promotionId: string;
  actor: Actor;
  /** Why, on the promotion's timeline, before the merge commit. */
  detail?: string;
}): Promise<MergePromotionResult> {
  const { ctx, actor } = params;
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
    // Merged on the host (its own rules applied there) or by an earlier attempt: record it.
    mergeCommit = pr.mergeCommitSha;
  } else if (pr.state === "closed") {
    throw new GantryError(
      "conflict",
      `pull request #${pr.number} was closed without merging; close the promotion or promote again`,
    );
  } else {
    const { standing } = await promotionApprovals({
      db: ctx.db,
      promotionId: before.id,
      liveHead: pr.headSha,
    });
    if (!standing.satisfied) {
      throw new GantryError(
        "conflict",
        `the ${before.toEnvironment.name} policy is not satisfied yet: ${standing.blockers.join("; ")}`,
        { details: { blockers: standing.blockers } },
      );
    }
    await assertNotFrozen(ctx, before.id);
    // Success on the head first: a repository that requires gantry/policy merges only then.
    await publishPolicyStatusQuietly({ ctx, promotionId: before.id });
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
    const merged = `pull request #${pr.number} merged as ${mergeCommit.slice(0, 12)}`;
    await transition({
      tx,
      promotionId: before.id,
      to: "merged",
      from: ["pr_open", "approved"],
      actor,
      detail: params.detail ? `${params.detail}; ${merged}` : merged,
      data: { mergeCommit },
    });
  });

  const catalogue = await queueImportAfterMerge({
    ctx,
    reason: `pull request #${pr.number} merged as ${mergeCommit.slice(0, 12)}`,
  });
  return {
    promotion: await loadPromotionSummary(ctx.db, before.id),
    mergeCommit,
    catalogue,
  };
}

/**
 * A freeze that began after a promotion was approved still holds it back:
 * only a promotion that broke the freeze with a reason when it was
 * requested (break-glass) merges into a frozen environment.
 */
async function assertNotFrozen(ctx: MergeContext, promotionId: string): Promise<void> {
  const row = await ctx.db.promotion.findUniqueOrThrow({
    where: { id: promotionId },
    select: { breakGlassReason: true, toEnvironment: { select: { name: true, policy: true } } },
  });
  if (row.breakGlassReason !== null) return;
  const environment = row.toEnvironment.name;
  const now = new Date();
  const freeze = activeFreeze(readPolicy(row.toEnvironment.policy, { environment }), now);
  if (freeze === null) return;
  throw new GantryError(
    "conflict",
    `${frozenMessage({ environment, until: freeze.until, reason: freeze.reason, now })}; merge after the freeze, or promote again with break-glass and a reason`,
    { details: { frozenUntil: freeze.until.toISOString() } },
  );
}

/** What merging needs: the database, the Git provider, the merge method, the layout, the public URL and the jobs that import the catalogue after it. */
export type MergeContext = Pick<
  PromotionContext,
  "db" | "git" | "versionPath" | "layoutFile" | "mergeMethod" | "publicUrl" | "jobs"
>;

export const AUTO_MERGE_DETAIL = "auto-merge: policy satisfied";

export type AutoMergeOutcome =
  /** Not for this promotion: no auto-merge in its environment, not under review, or not satisfied yet. */
  | { kind: "not_due" }
  | { kind: "merged"; mergeCommit: string; catalogue: CatalogueRefresh }
  /** It was due but the merge failed; `retryable` when the Git host may accept it later. */
  | { kind: "failed"; reason: string; retryable: boolean };

/**
 * Merges a promotion as Gantry when its environment's policy has autoMerge
 * and its approval standing is satisfied (with no approvals required, that
 * is as soon as the pull request is open). Called wherever the standing may
 * have become satisfied: the pull request opened, a review in the portal,
 * a review picked up from the Git host. Never throws: the outcome says what
 * happened, and a failed merge is left to a person (or the next attempt).
 * Safe to call twice: merging a merged pull request records it once.
 */
export async function autoMergeIfSatisfied(params: {
  ctx: MergeContext;
  promotionId: string;
}): Promise<AutoMergeOutcome> {
  const { ctx, promotionId } = params;
  try {
    // One read with the environment's policy: most environments do not merge by themselves,
    // and then nothing else is read.
    const [row] = await ctx.db.$queryRaw<
      { state: PromotionState; prNumber: number | null; trainId: string | null; policy: unknown }[]
    >`
      SELECT p.state, p."prNumber", p."trainId", e.policy
      FROM "Promotion" p JOIN "Environment" e ON e.id = p."toEnvironmentId"
      WHERE p.id = ${promotionId}::uuid`;
    if (!row || row.prNumber === null || (row.state !== "pr_open" && row.state !== "approved")) {
      return { kind: "not_due" };
    }
    // A train's pull request is merged for all its applications at once, by a person.
    if (row.trainId !== null) return { kind: "not_due" };
    if (!readPolicy(row.policy).autoMerge) return { kind: "not_due" };
    // Cheap first look without the Git host; the merge checks again against the live head.
    const { policy, standing } = await promotionApprovals({ db: ctx.db, promotionId });
    if (!policy.autoMerge || !standing.satisfied) return { kind: "not_due" };
    const result = await mergeUnderPolicy({
      ctx,
      promotionId,
      actor: GANTRY_ACTOR,
      detail: AUTO_MERGE_DETAIL,
    });
    log.info("promotion auto-merged", { promotionId, mergeCommit: result.mergeCommit });
    return { kind: "merged", mergeCommit: result.mergeCommit, catalogue: result.catalogue };
  } catch (error) {
    if (isGantryError(error)) {
      const retryable = error.code === "unavailable" || error.code === "rate_limited";
      log.warn("auto-merge failed", { promotionId, reason: error.message, retryable });
      return { kind: "failed", reason: error.message, retryable };
    }
    const errorId = logUnexpected(error, { promotionId, during: "auto-merge" });
    return {
      kind: "failed",
      reason: `unexpected error (error id ${errorId} in the server log)`,
      retryable: true,
    };
  }
}
