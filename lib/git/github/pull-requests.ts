import type { z } from "zod";
import { assertRef } from "@/lib/git/arguments";
import { githubError, githubMessage, httpFailure, validated } from "@/lib/git/github/client";
import { GitHubRefsAndCommits } from "@/lib/git/github/refs-and-commits";
import { assertSha, isoDate, onBehalfOf } from "@/lib/git/github/repository-api";
import {
  commentSchema,
  labelListSchema,
  mergeResultSchema,
  pullRequestListSchema,
  pullRequestSchema,
} from "@/lib/git/github/schemas";
import type { GitPerson, PullRequest } from "@/lib/git/provider";

/**
 * Pull requests: find, open (labelled), read (also conditionally, for the
 * poller), merge at the reviewed head, close, comment.
 */
export abstract class GitHubPullRequests extends GitHubRefsAndCommits {
  pullRequestUrl(number: number): string | null {
    return `${this.webRepoUrl}/pull/${number}`;
  }

  findPullRequest(params: { head: string; base: string }): Promise<PullRequest | null> {
    return this.client.run("findPullRequest", async () => {
      assertRef(params.head, "github");
      assertRef(params.base, "github");
      const what = "GET pulls";
      const data = await this.call(what, () =>
        this.rest.pulls.list({
          ...this.repo,
          head: `${this.owner}:${params.head}`,
          base: params.base,
          state: "all",
          sort: "created",
          direction: "desc",
          per_page: 10,
        }),
      );
      const pulls = validated(pullRequestListSchema, data, what).filter(
        (pull) => pull.head.ref === params.head && pull.base.ref === params.base,
      );
      const newest = pulls.sort((a, b) => b.number - a.number)[0];
      return newest ? this.toPullRequest(newest, newest.merged_at !== null) : null;
    });
  }

  openPullRequest(params: {
    head: string;
    base: string;
    title: string;
    body: string;
    labels: readonly string[];
    author: GitPerson;
  }): Promise<PullRequest> {
    return this.client.run("openPullRequest", async () => {
      assertRef(params.head, "github");
      assertRef(params.base, "github");
      const what = "POST pulls";
      // Not retried blindly: a retry after a lost answer would meet "already exists", handled below.
      const attempt = await this.attempt(() =>
        this.rest.pulls.create({
          ...this.repo,
          head: params.head,
          base: params.base,
          title: params.title,
          body: params.body,
          request: { retries: 0 },
        }),
      );
      let pull: PullRequest;
      if (attempt.ok) {
        const created = validated(pullRequestSchema, attempt.data, what);
        pull = this.toPullRequest(created, created.merged);
      } else if (
        attempt.failure.status === 422 &&
        /already exists/i.test(githubMessage(attempt.failure))
      ) {
        const existing = await this.findPullRequest({ head: params.head, base: params.base });
        if (!existing) throw this.failed(what, attempt.failure);
        pull = existing;
      } else if (attempt.failure.status === 422) {
        throw githubError(
          "unprocessable",
          `cannot open a pull request from "${params.head}" to "${params.base}": ${githubMessage(attempt.failure)}`,
        );
      } else {
        throw this.failed(what, attempt.failure);
      }

      return this.withLabels(pull, params.labels);
    });
  }

  /** The pull request with `labels` added (GitHub creates a label the repository lacks). */
  protected async withLabels(pull: PullRequest, labels: readonly string[]): Promise<PullRequest> {
    const missing = labels.filter((label) => !pull.labels.includes(label));
    if (missing.length === 0) return pull;
    const what = `POST issues/${pull.number}/labels`;
    const added = validated(
      labelListSchema,
      await this.call(what, () =>
        this.rest.issues.addLabels({ ...this.repo, issue_number: pull.number, labels: missing }),
      ),
      what,
    );
    return { ...pull, labels: added.map((label) => label.name) };
  }

  getPullRequest(number: number): Promise<PullRequest> {
    return this.client.run("getPullRequest", () => this.pull(number));
  }

  protected async pull(number: number): Promise<PullRequest> {
    const what = `GET pulls/${number}`;
    const attempt = await this.attempt(() =>
      this.rest.pulls.get({ ...this.repo, pull_number: number }),
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
    const pull = validated(pullRequestSchema, attempt.data, what);
    return this.toPullRequest(pull, pull.merged);
  }

  /**
   * The pull request unless it is unchanged since the answer that carried
   * `etag` (a conditional GET with `If-None-Match`): GitHub answers 304,
   * which does not count against the rate limit. For the poller.
   */
  getPullRequestIfChanged(
    number: number,
    etag: string | null,
  ): Promise<
    { notModified: true } | { notModified: false; pullRequest: PullRequest; etag: string | null }
  > {
    return this.client.run("getPullRequestIfChanged", async () => {
      const what = `GET pulls/${number}`;
      let response: { data: unknown; headers: { etag?: string } };
      try {
        response = await this.rest.pulls.get({
          ...this.repo,
          pull_number: number,
          ...(etag ? { headers: { "if-none-match": etag } } : {}),
        });
      } catch (error) {
        const failure = httpFailure(error);
        if (failure === null) throw error;
        if (failure.status === 304) return { notModified: true as const };
        if (failure.status === 404) {
          throw githubError(
            "not_found",
            `pull request #${number} does not exist in ${this.fullName}`,
          );
        }
        throw this.failed(what, failure);
      }
      const pull = validated(pullRequestSchema, response.data, what);
      return {
        notModified: false as const,
        pullRequest: this.toPullRequest(pull, pull.merged),
        etag: response.headers.etag ?? null,
      };
    });
  }

  mergePullRequest(params: {
    number: number;
    expectedHeadSha: string;
    method: "merge" | "squash";
    message: string;
    mergedBy: GitPerson;
  }): Promise<{ sha: string }> {
    return this.client.run("mergePullRequest", async () => {
      assertSha(params.expectedHeadSha);
      const [title = "", ...rest] = params.message.split("\n");
      const what = `PUT pulls/${params.number}/merge`;
      const attempt = await this.attempt(() =>
        this.rest.pulls.merge({
          ...this.repo,
          pull_number: params.number,
          sha: params.expectedHeadSha,
          merge_method: params.method,
          commit_title: title,
          commit_message: rest.join("\n").trim(),
        }),
      );
      if (attempt.ok) return { sha: validated(mergeResultSchema, attempt.data, what).sha };
      const { status } = attempt.failure;
      if (status !== 405 && status !== 409 && status !== 422)
        throw this.failed(what, attempt.failure);
      // Say why, from the pull request itself.
      const pull = await this.pull(params.number);
      if (pull.state === "merged" && pull.mergeCommitSha) return { sha: pull.mergeCommitSha };
      if (pull.headSha !== params.expectedHeadSha) {
        throw githubError(
          "conflict",
          `pull request #${params.number} changed since it was reviewed: its head is ${pull.headSha.slice(0, 12)}, not ${params.expectedHeadSha.slice(0, 12)}`,
          {
            details: {
              pullRequest: params.number,
              expectedHeadSha: params.expectedHeadSha,
              headSha: pull.headSha,
            },
          },
        );
      }
      if (pull.state === "closed") {
        throw githubError("conflict", `pull request #${params.number} is closed`, {
          details: { pullRequest: params.number },
        });
      }
      throw githubError(
        "conflict",
        `pull request #${params.number} cannot be merged: ${githubMessage(attempt.failure)}`,
        { details: { pullRequest: params.number } },
      );
    });
  }

  closePullRequest(number: number): Promise<void> {
    return this.client.run("closePullRequest", async () => {
      const what = `PATCH pulls/${number}`;
      const attempt = await this.attempt(() =>
        this.rest.pulls.update({ ...this.repo, pull_number: number, state: "closed" }),
      );
      if (attempt.ok) {
        validated(pullRequestSchema, attempt.data, what);
        return;
      }
      if (attempt.failure.status === 404) {
        throw githubError(
          "not_found",
          `pull request #${number} does not exist in ${this.fullName}`,
        );
      }
      if (attempt.failure.status === 422) {
        // GitHub refuses to change a merged pull request: it is as closed as it gets.
        const pull = await this.pull(number);
        if (pull.state !== "open") return;
      }
      throw this.failed(what, attempt.failure);
    });
  }

  addComment(params: { number: number; body: string; author: GitPerson }): Promise<void> {
    return this.client.run("addComment", async () => {
      const what = `POST issues/${params.number}/comments`;
      const data = await this.call(what, () =>
        this.rest.issues.createComment({
          ...this.repo,
          issue_number: params.number,
          body: onBehalfOf(params.body, params.author),
          // A comment is not idempotent: a retry after a lost answer would post it twice.
          request: { retries: 0 },
        }),
      );
      validated(commentSchema, data, what);
    });
  }

  protected toPullRequest(
    pull: z.output<typeof pullRequestListSchema>[number],
    merged: boolean,
  ): PullRequest {
    return {
      number: pull.number,
      state: merged ? "merged" : pull.state,
      title: pull.title,
      body: pull.body ?? "",
      head: pull.head.ref,
      base: pull.base.ref,
      headSha: pull.head.sha,
      labels: pull.labels.map((label) => label.name),
      authorLogin: pull.user?.login ?? null,
      // For an open pull request GitHub's merge_commit_sha is a test merge, not a merge.
      mergeCommitSha: merged ? pull.merge_commit_sha : null,
      url: pull.html_url,
      createdAt: isoDate(pull.created_at),
      mergedAt: pull.merged_at ? isoDate(pull.merged_at) : null,
      closedAt: pull.closed_at ? isoDate(pull.closed_at) : null,
    };
  }
}
