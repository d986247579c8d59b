import type { z } from "zod";
import { githubError, githubMessage, httpFailure, validated } from "@/lib/git/github/client";
import { GitHubPullRequests } from "@/lib/git/github/pull-requests";
import { assertSha, isoDate, onBehalfOf } from "@/lib/git/github/repository-api";
import {
  checkRunListSchema,
  combinedStatusSchema,
  commitStatusSchema,
  reviewListSchema,
  reviewSchema,
} from "@/lib/git/github/schemas";
import type { CheckSummary, CommitStatus, GitPerson, PullRequestReview } from "@/lib/git/provider";

/** Reviews and checks: a pull request's reviews, a review posted, a commit's statuses and check runs. */
export abstract class GitHubReviewsAndChecks extends GitHubPullRequests {
  listReviews(number: number): Promise<PullRequestReview[]> {
    return this.client.run("listReviews", async () => {
      const reviews: PullRequestReview[] = [];
      for (let page = 1; page <= 10; page++) {
        const what = `GET pulls/${number}/reviews`;
        const attempt = await this.attempt(() =>
          this.rest.pulls.listReviews({ ...this.repo, pull_number: number, per_page: 100, page }),
        );
        if (!attempt.ok) {
          if (attempt.failure.status === 404) {
            throw githubError(
              "not_found",
              `pull request #${number} does not exist in ${this.fullName}`,
            );
          }
          throw this.failed(what, attempt.failure);
        }
        const batch = validated(reviewListSchema, attempt.data, what);
        for (const review of batch) {
          const converted = toReview(review);
          if (converted) reviews.push(converted);
        }
        if (batch.length < 100) break;
      }
      return reviews;
    });
  }

  submitReview(params: {
    number: number;
    reviewer: GitPerson;
    decision: "approve" | "request_changes" | "comment";
    body: string;
  }): Promise<PullRequestReview> {
    return this.client.run("submitReview", async () => {
      const what = `POST pulls/${params.number}/reviews`;
      const event = (
        { approve: "APPROVE", request_changes: "REQUEST_CHANGES", comment: "COMMENT" } as const
      )[params.decision];
      const attempt = await this.attempt(() =>
        this.rest.pulls.createReview({
          ...this.repo,
          pull_number: params.number,
          event,
          body: onBehalfOf(params.body, params.reviewer),
          request: { retries: 0 },
        }),
      );
      if (!attempt.ok) {
        if (attempt.failure.status === 422) {
          // e.g. "Can not approve your own pull request": the App opened it and cannot approve it.
          throw githubError(
            "unprocessable",
            `GitHub refused the review: ${githubMessage(attempt.failure)}`,
            {
              details: { pullRequest: params.number },
            },
          );
        }
        throw this.failed(what, attempt.failure);
      }
      const review = toReview(validated(reviewSchema, attempt.data, what));
      if (!review)
        throw githubError("unavailable", `GitHub left the review on #${params.number} pending`);
      return review;
    });
  }

  /** POST /repos/{owner}/{repo}/statuses/{sha}: the newest status of a context replaces the older. */
  setCommitStatus(params: CommitStatus): Promise<void> {
    return this.client.run("setCommitStatus", async () => {
      assertSha(params.sha);
      const what = `POST statuses/${params.sha}`;
      const attempt = await this.attempt(() =>
        this.rest.repos.createCommitStatus({
          ...this.repo,
          sha: params.sha,
          state: params.state,
          context: params.context,
          description: params.description.slice(0, 140),
          ...(params.targetUrl ? { target_url: params.targetUrl } : {}),
        }),
      );
      if (!attempt.ok) {
        if (attempt.failure.status === 422) {
          throw githubError(
            "unprocessable",
            `GitHub refused the ${params.context} status on ${params.sha.slice(0, 12)}: ${githubMessage(attempt.failure)}`,
          );
        }
        throw this.failed(what, attempt.failure);
      }
      validated(commitStatusSchema, attempt.data, what);
    });
  }

  getChecks(sha: string): Promise<CheckSummary> {
    return this.client.run("getChecks", async () => {
      assertSha(sha);
      const [statuses, runs] = await Promise.all([
        this.pages(`GET commits/${sha}/status`, (page) =>
          this.rest.repos.getCombinedStatusForRef({ ...this.repo, ref: sha, per_page: 100, page }),
        ).then((pages) =>
          pages.flatMap(
            (data) => validated(combinedStatusSchema, data, "GET commits/{sha}/status").statuses,
          ),
        ),
        this.pages(`GET commits/${sha}/check-runs`, (page) =>
          this.rest.checks.listForRef({ ...this.repo, ref: sha, per_page: 100, page }),
        ).then((pages) =>
          pages.flatMap(
            (data) =>
              validated(checkRunListSchema, data, "GET commits/{sha}/check-runs").check_runs,
          ),
        ),
      ]);
      const checks: CheckSummary["checks"] = [
        ...statuses.map((s) => ({
          name: s.context,
          state: statusState(s.state),
          url: s.target_url,
        })),
        ...runs.map((run) => ({
          name: run.name,
          state: checkRunState(run.status, run.conclusion),
          url: run.html_url ?? run.details_url,
        })),
      ];
      let state: CheckSummary["state"] = "none";
      if (checks.some((c) => c.state === "failure")) state = "failure";
      else if (checks.some((c) => c.state === "pending")) state = "pending";
      else if (checks.length > 0) state = "success";
      return { state, checks };
    });
  }

  /**
   * Every page of a list, following GitHub's `Link: rel="next"`, at most
   * MAX_CHECK_PAGES of them (a commit with more than 1,000 checks is read
   * as its first 1,000).
   */
  private async pages(
    what: string,
    send: (page: number) => Promise<{ data: unknown; headers: { link?: string } }>,
  ): Promise<unknown[]> {
    const pages: unknown[] = [];
    for (let page = 1; page <= MAX_CHECK_PAGES; page++) {
      let response: { data: unknown; headers: { link?: string } };
      try {
        response = await send(page);
      } catch (error) {
        const failure = httpFailure(error);
        if (failure === null) throw error;
        throw this.failed(what, failure);
      }
      pages.push(response.data);
      if (!/rel="next"/.test(response.headers.link ?? "")) break;
    }
    return pages;
  }
}

const MAX_CHECK_PAGES = 10;

function toReview(review: z.output<typeof reviewSchema>): PullRequestReview | null {
  const states: Record<string, PullRequestReview["state"]> = {
    APPROVED: "approved",
    CHANGES_REQUESTED: "changes_requested",
    COMMENTED: "commented",
    DISMISSED: "dismissed",
  };
  const state = states[review.state];
  if (!state) return null; // PENDING: not submitted yet
  return {
    id: String(review.id),
    reviewer: review.user?.login ?? "ghost",
    state,
    body: review.body,
    commitSha: review.commit_id,
    submittedAt: isoDate(review.submitted_at),
  };
}

function statusState(state: string): "success" | "pending" | "failure" {
  if (state === "success") return "success";
  if (state === "pending") return "pending";
  return "failure"; // failure, error
}

function checkRunState(
  status: string,
  conclusion: string | null,
): "success" | "pending" | "failure" {
  if (status !== "completed") return "pending";
  if (conclusion === "success" || conclusion === "neutral" || conclusion === "skipped")
    return "success";
  return "failure";
}
