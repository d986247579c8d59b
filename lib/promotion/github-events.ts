import type { GitHubEvent } from "@/lib/git/github/webhook";
import { isAboutRepository } from "@/lib/git/github/webhook";
import type { HostChange } from "@/lib/promotion/host-change";
import type { HostReview } from "@/lib/promotion/pull-request-sync";

/** The GitOps repository as configured: which host, and on GitHub whose repository. */
export interface GitopsRepository {
  provider: "local" | "github";
  /** GANTRY_GITHUB_OWNER; unset on the local provider. */
  owner: string | undefined;
  repository: string;
  defaultBranch: string;
}

/** What a delivery means for Gantry: a change to apply, or why it is ignored. */
export type DeliveryMeaning = { change: HostChange } | { ignored: string };

/**
 * What a verified GitHub delivery means for Gantry. It is applied only when
 * Gantry works on GitHub and the delivery is about the configured GitOps
 * repository (owner and name, as GitHub compares them, without case): on
 * the local provider a GitHub repository of the same name is someone
 * else's, and an organisation-wide webhook reports every repository.
 */
export function meaningOfGitHubEvent(params: {
  eventName: string;
  /** Null for an event Gantry does not use. */
  event: GitHubEvent | null;
  gitops: GitopsRepository;
}): DeliveryMeaning {
  const { eventName, event, gitops } = params;
  if (event === null) return { ignored: `${eventName} events are not used` };
  if (gitops.provider !== "github" || gitops.owner === undefined) {
    return {
      ignored: `the GitOps repository is not on GitHub (GANTRY_GIT_PROVIDER=${gitops.provider})`,
    };
  }
  if (!isAboutRepository(event, { owner: gitops.owner, repository: gitops.repository })) {
    return {
      ignored: `about ${event.repository}, not the GitOps repository ${gitops.owner}/${gitops.repository}`,
    };
  }
  const change = hostChangeOf(event, gitops.defaultBranch);
  if (change === null) {
    const action = "action" in event ? ` ${event.action}` : "";
    return { ignored: `${eventName}${action} does not concern promotions or the catalogue` };
  }
  return { change };
}

function hostChangeOf(event: GitHubEvent, defaultBranch: string): HostChange | null {
  switch (event.type) {
    case "pull_request": {
      const pull = event.pullRequest;
      const pullRequest = pull.number;
      if (event.action === "closed" || pull.state === "closed") {
        return pull.merged
          ? { kind: "merged", pullRequest, mergeCommit: pull.mergeCommitSha, mergedAt: null }
          : { kind: "closed", pullRequest };
      }
      if (["opened", "reopened", "synchronize"].includes(event.action)) {
        return { kind: "head_moved", pullRequest, headSha: pull.headSha };
      }
      return null;
    }
    case "pull_request_review": {
      const review = hostReviewOf(event);
      if (review === null) return null;
      return {
        kind: "reviews",
        pullRequest: event.pullRequestNumber,
        reviews: [review],
        headSha: null,
      };
    }
    case "push":
      return event.ref === `refs/heads/${defaultBranch}`
        ? { kind: "default_branch_pushed", after: event.after }
        : null;
    case "check_suite":
      return { kind: "checks_changed", sha: event.headSha };
    case "status":
      return { kind: "checks_changed", sha: event.sha };
  }
}

function hostReviewOf(
  event: Extract<GitHubEvent, { type: "pull_request_review" }>,
): HostReview | null {
  const state = event.review.state.toLowerCase();
  let reviewState: HostReview["state"];
  if (event.action === "dismissed") reviewState = "dismissed";
  else if (event.action !== "submitted") return null;
  else if (state === "approved") reviewState = "approved";
  else if (state === "changes_requested") reviewState = "changes_requested";
  else return null; // comments are not verdicts
  const submitted = Date.parse(event.review.submittedAt ?? "");
  return {
    id: String(event.review.id),
    reviewer: event.review.reviewer,
    state: reviewState,
    body: event.review.body ?? "",
    commitSha: event.review.commitSha,
    submittedAt: Number.isFinite(submitted) ? new Date(submitted) : null,
  };
}
