import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { GitHubProvider } from "@/lib/git/github/github-provider";
import type { GitProvider } from "@/lib/git/provider";
import { log, logUnexpected } from "@/lib/log";
import { autoMergeIfSatisfied } from "@/lib/promotion/merge-promotion";
import {
  type AppliedChange,
  applyPullRequestChange,
  changesFromPullRequest,
} from "@/lib/promotion/pull-request-sync";
import { reimportAfterMerge } from "@/lib/promotion/reimport-catalogue";

/**
 * ETags of pull requests by number, from the last answer that carried one.
 * In memory: the job runner is one long-lived process, and after a restart
 * one full read per open pull request is cheap; a column would buy little.
 */
export type PullRequestEtags = Map<number, string>;

export interface PollResult {
  /** Pull requests read. */
  checked: number;
  /** Of those, unchanged since the last poll (304: no rate limit spent). */
  notModified: number;
  /** Promotions that moved. */
  moved: AppliedChange[];
  /** Pull requests that could not be read (logged; the next poll tries again). */
  failed: number;
}

/** Parallel reads: enough to get through a few hundred open promotions well within a minute. */
const CONCURRENCY = 4;

/**
 * Covers webhook deliveries that never arrived: reads the pull request of
 * every promotion that is open for review or approved, with a conditional
 * request, and applies what changed exactly as the webhook would (merged,
 * closed, new head, reviews). Reviews are read only when the pull request
 * itself changed.
 *
 * Only the GitHub provider is polled: on the local provider pull requests
 * change only through Gantry, which records the change as it makes it.
 */
export async function pollPullRequests(params: {
  ctx: {
    db: PrismaClient;
    git: GitProvider;
    versionPath: string;
    /** How an auto-merge merges; a merge commit when not given. */
    mergeMethod?: "merge" | "squash";
  };
  etags: PullRequestEtags;
}): Promise<PollResult> {
  const { ctx, etags } = params;
  const result: PollResult = { checked: 0, notModified: 0, moved: [], failed: 0 };
  const git = ctx.git;
  if (!(git instanceof GitHubProvider)) return result;

  const promotions = await ctx.db.promotion.findMany({
    where: { state: { in: ["pr_open", "approved"] }, prNumber: { not: null } },
    select: { id: true, prNumber: true, headCommit: true },
    orderBy: { createdAt: "asc" },
  });
  const open = new Set<number>();
  const queue = [...promotions];
  /** Promotions Gantry merged by policy during this poll. */
  const autoMerged: string[] = [];
  const worker = async () => {
    for (let promotion = queue.shift(); promotion; promotion = queue.shift()) {
      const number = promotion.prNumber;
      if (number === null) continue;
      open.add(number);
      try {
        const read = await git.getPullRequestIfChanged(number, etags.get(number) ?? null);
        result.checked += 1;
        if (read.notModified) {
          result.notModified += 1;
          continue;
        }
        const { pullRequest } = read;
        const reviews =
          pullRequest.state === "open" && pullRequest.headSha === promotion.headCommit
            ? await git.listReviews(number)
            : null;
        let reviewed: AppliedChange | null = null;
        for (const change of changesFromPullRequest(pullRequest, reviews)) {
          const applied = await applyPullRequestChange({
            db: ctx.db,
            promotionId: promotion.id,
            change,
            source: "poll",
          });
          if (applied.changed) result.moved.push(applied);
          if (change.kind === "reviews") reviewed = applied;
        }
        // Also when nothing changed: the standing may have been satisfied before an auto-merge failed.
        let retryAutoMerge = false;
        if (reviewed && (reviewed.state === "pr_open" || reviewed.state === "approved")) {
          const outcome = await autoMergeIfSatisfied({
            ctx: { ...ctx, mergeMethod: ctx.mergeMethod ?? "merge" },
            promotionId: promotion.id,
          });
          // The merge re-imported the catalogue itself.
          if (outcome.kind === "merged") autoMerged.push(promotion.id);
          retryAutoMerge = outcome.kind === "failed" && outcome.retryable;
        }
        // Remembered only once applied: a failure above makes the next poll read it again.
        // A retryable auto-merge failure too: the next poll reads it anew and tries again.
        if (read.etag && !retryAutoMerge) etags.set(number, read.etag);
        else etags.delete(number);
      } catch (error) {
        result.failed += 1;
        const context = { promotionId: promotion.id, pullRequest: number };
        if (isGantryError(error)) {
          log.warn("polling a pull request failed", { ...context, reason: error.message });
        } else {
          logUnexpected(error, { ...context, during: "pull request poll" });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  // Promotions that left review no longer need their pull request's ETag.
  for (const number of etags.keys()) if (!open.has(number)) etags.delete(number);

  if (result.moved.some((applied) => applied.state === "merged")) {
    const refresh = await reimportAfterMerge({ ctx, trigger: "webhook" });
    if (!refresh.ok)
      log.warn("catalogue import after a polled merge failed", { error: refresh.error });
  }
  // Merged by Gantry, which re-imported the catalogue as it merged.
  for (const promotionId of autoMerged) {
    result.moved.push({ promotionId, changed: true, state: "merged" });
  }
  if (result.moved.length > 0 || result.failed > 0) {
    log.info("pull requests polled", {
      checked: result.checked,
      notModified: result.notModified,
      moved: result.moved.length,
      failed: result.failed,
    });
  }
  return result;
}
