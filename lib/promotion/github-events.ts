import type { CatalogueImportQueue } from "@/lib/catalogue/import-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { GitHubProvider } from "@/lib/git/github/github-provider";
import type { GitHubEvent } from "@/lib/git/github/webhook";
import type { GitProvider } from "@/lib/git/provider";
import { log } from "@/lib/log";
import { autoMergeIfSatisfied } from "@/lib/promotion/merge-promotion";
import {
  type AppliedChange,
  applyPullRequestChange,
  type ChangeSource,
  type HostReview,
  type PullRequestChange,
} from "@/lib/promotion/pull-request-sync";
import { type CatalogueRefresh, reimportAfterMerge } from "@/lib/promotion/reimport-catalogue";

/** What handling GitHub's events needs: the database, the GitOps repository, and the import queue. */
export interface GitHubEventContext {
  db: PrismaClient;
  git: GitProvider;
  versionPath: string;
  catalogueImports: CatalogueImportQueue;
  /** How an auto-merge merges (GANTRY_GITHUB_MERGE_METHOD); a merge commit when not given. */
  mergeMethod?: "merge" | "squash";
}

export interface GitHubEventOutcome {
  /** Promotions the event concerned, and whether each moved. */
  promotions: AppliedChange[];
  /** A catalogue import ran (a merge) or was queued (a push to the default branch). */
  catalogue: "none" | "imported" | "import_failed" | "queued";
}

/**
 * Maps a verified delivery to promotions (by pull request number in the
 * GitOps repository) and moves them. Idempotent: a redelivered event finds
 * the promotion where the first one left it and changes nothing; an event
 * that does not apply is logged, never an error.
 */
export async function handleGitHubEvent(
  event: GitHubEvent,
  ctx: GitHubEventContext,
): Promise<GitHubEventOutcome> {
  const none: GitHubEventOutcome = { promotions: [], catalogue: "none" };
  if (!isGitopsRepository(ctx.git, event.repository)) {
    log.debug("GitHub event for another repository ignored", { repository: event.repository });
    return none;
  }
  switch (event.type) {
    case "pull_request": {
      const change = pullRequestChange(event);
      if (!change) {
        log.debug("pull request event ignored", { action: event.action });
        return none;
      }
      return applyToPullRequest({
        ctx,
        number: event.pullRequest.number,
        change,
        source: "webhook",
      });
    }
    case "pull_request_review": {
      const change = reviewChange(event);
      if (!change) {
        log.debug("pull request review event ignored", {
          action: event.action,
          state: event.review.state,
        });
        return none;
      }
      return applyToPullRequest({
        ctx,
        number: event.pullRequestNumber,
        change,
        source: "webhook",
      });
    }
    case "push": {
      if (event.ref !== `refs/heads/${ctx.git.defaultBranch}`) return none;
      await ctx.catalogueImports.requestImport({ reason: `push ${event.after.slice(0, 12)}` });
      log.info("catalogue import queued after a push", { after: event.after });
      return { promotions: [], catalogue: "queued" };
    }
    case "check_suite":
    case "status":
      // The promotion page reads checks live; nothing to record.
      log.debug("GitHub checks event", { type: event.type });
      return none;
  }
}

/**
 * Applies a change to the promotions of pull request `number` and, when one
 * of them merged now (not on a replay), re-imports the catalogue so it shows
 * the new desired version. After reviews, a promotion whose environment
 * auto-merges is merged once its policy is satisfied. Shared by the webhook
 * and the poller.
 */
async function applyToPullRequest(params: {
  ctx: Pick<GitHubEventContext, "db" | "git" | "versionPath" | "mergeMethod">;
  number: number;
  change: PullRequestChange;
  source: ChangeSource;
}): Promise<GitHubEventOutcome> {
  const { ctx, number, change, source } = params;
  const promotions = await ctx.db.promotion.findMany({
    where: { prNumber: number },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  const applied: AppliedChange[] = [];
  for (const promotion of promotions) {
    applied.push(
      await applyPullRequestChange({ db: ctx.db, promotionId: promotion.id, change, source }),
    );
  }
  if (change.kind === "reviews") {
    let autoMerged: CatalogueRefresh | null = null;
    for (const result of applied) {
      if (!result.changed) continue;
      const outcome = await autoMergeIfSatisfied({
        ctx: { ...ctx, mergeMethod: ctx.mergeMethod ?? "merge" },
        promotionId: result.promotionId,
      });
      if (outcome.kind === "merged") {
        result.state = "merged";
        autoMerged = outcome.catalogue; // the merge re-imported the catalogue
      }
    }
    if (autoMerged) {
      return { promotions: applied, catalogue: autoMerged.ok ? "imported" : "import_failed" };
    }
  }
  if (!applied.some((result) => result.changed && result.state === "merged")) {
    return { promotions: applied, catalogue: "none" };
  }
  const refresh = await reimportAfterMerge({ ctx, trigger: "webhook" });
  if (!refresh.ok) log.warn("catalogue import after a merge failed", { error: refresh.error });
  return { promotions: applied, catalogue: refresh.ok ? "imported" : "import_failed" };
}

function pullRequestChange(
  event: Extract<GitHubEvent, { type: "pull_request" }>,
): PullRequestChange | null {
  const pull = event.pullRequest;
  if (event.action === "closed" || pull.state === "closed") {
    return pull.merged
      ? { kind: "merged", mergeCommit: pull.mergeCommitSha, mergedAt: null }
      : { kind: "closed" };
  }
  if (event.action === "synchronize") return { kind: "head_moved", headSha: pull.headSha };
  return null;
}

function reviewChange(
  event: Extract<GitHubEvent, { type: "pull_request_review" }>,
): PullRequestChange | null {
  const state = event.review.state.toLowerCase();
  let reviewState: HostReview["state"];
  if (event.action === "dismissed") reviewState = "dismissed";
  else if (event.action !== "submitted") return null;
  else if (state === "approved") reviewState = "approved";
  else if (state === "changes_requested") reviewState = "changes_requested";
  else return null; // comments are not verdicts
  const submitted = Date.parse(event.review.submittedAt ?? "");
  const review: HostReview = {
    id: String(event.review.id),
    reviewer: event.review.reviewer,
    state: reviewState,
    body: event.review.body ?? "",
    commitSha: event.review.commitSha,
    submittedAt: Number.isFinite(submitted) ? new Date(submitted) : null,
  };
  return { kind: "reviews", reviews: [review], headSha: null };
}

/** The GitOps repository's `owner/name` (GitHub) or name; the route filters too, this is the domain's own check. */
function isGitopsRepository(git: GitProvider, fullName: string): boolean {
  const expected =
    git instanceof GitHubProvider ? `${git.owner}/${git.repository}` : git.repository;
  const actual = git instanceof GitHubProvider ? fullName : (fullName.split("/").pop() ?? "");
  return actual.toLowerCase() === expected.toLowerCase();
}
