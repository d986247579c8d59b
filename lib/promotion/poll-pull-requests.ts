import { isGantryError } from "@/lib/errors";
import { GitHubProvider } from "@/lib/git/github/github-provider";
import { log, logUnexpected } from "@/lib/log";
import { applyHostChange, type HostChangeContext } from "@/lib/promotion/apply-host-change";
import { type AppliedChange, changesFromPullRequest } from "@/lib/promotion/pull-request-sync";

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
 * request, and hands what changed (merged, closed, new head, reviews) to
 * `applyHostChange`, as a delivery's job does. Reviews are read only when
 * the pull request itself changed.
 *
 * Only the GitHub provider is polled: on the local provider pull requests
 * change only through Gantry, which records the change as it makes it.
 */
export async function pollPullRequests(params: {
  ctx: HostChangeContext;
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
  /** Each pull request once, with the heads its promotions recorded. */
  const heads = new Map<number, Set<string | null>>();
  for (const promotion of promotions) {
    if (promotion.prNumber === null) continue;
    const known = heads.get(promotion.prNumber) ?? new Set<string | null>();
    known.add(promotion.headCommit);
    heads.set(promotion.prNumber, known);
  }
  const queue = [...heads.keys()];
  const worker = async () => {
    for (let number = queue.shift(); number !== undefined; number = queue.shift()) {
      try {
        const read = await git.getPullRequestIfChanged(number, etags.get(number) ?? null);
        result.checked += 1;
        if (read.notModified) {
          result.notModified += 1;
          continue;
        }
        const { pullRequest } = read;
        const reviews =
          pullRequest.state === "open" && heads.get(number)?.has(pullRequest.headSha)
            ? await git.listReviews(number)
            : null;
        let retryLater = false;
        for (const change of changesFromPullRequest(pullRequest, reviews)) {
          const outcome = await applyHostChange({
            ctx,
            change: { ...change, pullRequest: number },
            source: "poll",
          });
          result.moved.push(...outcome.promotions.filter((applied) => applied.changed));
          retryLater ||= outcome.retryLater;
        }
        // Remembered only once applied: a failure above makes the next poll read it again.
        // A retryable auto-merge failure too: the next poll reads it anew and tries again.
        if (read.etag && !retryLater) etags.set(number, read.etag);
        else etags.delete(number);
      } catch (error) {
        result.failed += 1;
        const context = { pullRequest: number };
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
  for (const number of etags.keys()) if (!heads.has(number)) etags.delete(number);

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
