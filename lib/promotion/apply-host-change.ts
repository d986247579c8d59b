import { notifyPromotionChange } from "@/lib/events/changes";
import { log } from "@/lib/log";
import type { HostChange } from "@/lib/promotion/host-change";
import { autoMergeIfSatisfied } from "@/lib/promotion/merge-promotion";
import { publishPolicyStatusQuietly } from "@/lib/promotion/policy-status";
import { forgetPullRequestSnapshot } from "@/lib/promotion/pull-request-snapshot";
import {
  type AppliedChange,
  applyPullRequestChange,
  type ChangeSource,
} from "@/lib/promotion/pull-request-sync";
import { type CatalogueRefresh, queueImportAfterMerge } from "@/lib/promotion/reimport-catalogue";
import type { PromotionContext } from "@/lib/promotion/types";

/** What applying a host change needs: the database, the repository, and the job queue. */
export type HostChangeContext = Pick<
  PromotionContext,
  "db" | "git" | "versionPath" | "layoutFile" | "mergeMethod" | "jobs" | "publicUrl"
>;

export interface HostChangeOutcome {
  /** Promotions the change concerned, and whether each moved. */
  promotions: AppliedChange[];
  /** A catalogue import was queued (a merge, a push to the default branch), or could not be. */
  catalogue: "none" | "queued" | "queue_failed";
  /** An auto-merge that was due failed in a way a later attempt may fix. */
  retryLater: boolean;
}

/**
 * The one way in from the Git host: a webhook delivery (through its job)
 * and the poller both end here, so what a change means is decided once.
 *
 * A pull request's change moves the promotions that opened it; when one
 * merged now (not on a replay) a catalogue import is queued so it shows the
 * new desired version; after reviews, a promotion whose environment
 * auto-merges is merged once its policy is satisfied. A push to the default
 * branch queues a catalogue import; a check that changed tells open pages
 * of the promotions on that commit to read it again.
 *
 * Idempotent: a redelivered or re-read change finds the promotion where the
 * first left it and changes nothing; a change that does not apply is
 * logged, never an error.
 */
export async function applyHostChange(params: {
  ctx: HostChangeContext;
  change: HostChange;
  source: ChangeSource;
}): Promise<HostChangeOutcome> {
  const { ctx, change, source } = params;
  const none: HostChangeOutcome = { promotions: [], catalogue: "none", retryLater: false };
  switch (change.kind) {
    case "default_branch_pushed":
      await ctx.jobs.requestCatalogueImport({ reason: `push ${change.after.slice(0, 12)}` });
      log.info("catalogue import queued after a push", { after: change.after, source });
      return { ...none, catalogue: "queued" };
    case "checks_changed": {
      // The promotion page reads checks live from the host; it only needs to know when.
      const promotions = await ctx.db.promotion.findMany({
        where: { headCommit: change.sha, state: { in: ["pr_open", "approved"] } },
        select: { id: true },
      });
      if (promotions.length > 0) {
        await ctx.db.$transaction(async (tx) => {
          await forgetPullRequestSnapshot(
            tx,
            promotions.map((p) => p.id),
          );
          for (const { id } of promotions) await notifyPromotionChange(tx, id);
        });
      }
      return none;
    }
    default:
      return applyToPullRequest({ ctx, change, source });
  }
}

async function applyToPullRequest(params: {
  ctx: HostChangeContext;
  change: Extract<HostChange, { pullRequest: number }>;
  source: ChangeSource;
}): Promise<HostChangeOutcome> {
  const { ctx, change, source } = params;
  const promotions = await ctx.db.promotion.findMany({
    where: { prNumber: change.pullRequest },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  if (promotions.length === 0) {
    log.debug("host change for a pull request no promotion opened", {
      pullRequest: change.pullRequest,
      change: change.kind,
    });
  }
  // Whatever the change (a review, a push to the branch, a close), the stored copy of the pull
  // request is no longer what the host shows: the next read asks the host once.
  await forgetPullRequestSnapshot(
    ctx.db,
    promotions.map((p) => p.id),
  );
  const applied: AppliedChange[] = [];
  for (const promotion of promotions) {
    applied.push(
      await applyPullRequestChange({ db: ctx.db, promotionId: promotion.id, change, source }),
    );
  }
  for (const result of applied) {
    // Reviews and new commits change what gantry/policy says; a merge or close ends it.
    if (result.state === "pr_open" || result.state === "approved") {
      await publishPolicyStatusQuietly({ ctx, promotionId: result.promotionId });
    }
  }
  let retryLater = false;
  let autoMerged: CatalogueRefresh | null = null;
  if (change.kind === "reviews") {
    for (const result of applied) {
      // Also when nothing changed: the standing may have been satisfied before an auto-merge failed.
      if (result.state !== "pr_open" && result.state !== "approved") continue;
      const outcome = await autoMergeIfSatisfied({ ctx, promotionId: result.promotionId });
      if (outcome.kind === "merged") {
        result.changed = true;
        result.state = "merged";
        autoMerged = outcome.catalogue; // the merge queued the catalogue import
      }
      if (outcome.kind === "failed" && outcome.retryable) retryLater = true;
    }
  }
  if (autoMerged) {
    return {
      promotions: applied,
      catalogue: autoMerged.queued ? "queued" : "queue_failed",
      retryLater,
    };
  }
  if (!applied.some((result) => result.changed && result.state === "merged")) {
    return { promotions: applied, catalogue: "none", retryLater };
  }
  const refresh = await queueImportAfterMerge({
    ctx,
    reason: `pull request #${change.pullRequest} merged`,
  });
  if (!refresh.queued)
    log.warn("catalogue import after a merge not queued", { error: refresh.error });
  return {
    promotions: applied,
    catalogue: refresh.queued ? "queued" : "queue_failed",
    retryLater,
  };
}
