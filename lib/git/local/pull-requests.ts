import type {
  LocalPullRequest,
  LocalPullRequestReview,
  PrismaClient,
} from "@/lib/generated/prisma/client";
import { gitError } from "@/lib/git/errors";
import type { GitCli } from "@/lib/git/local/git-cli";
import {
  assertBranchName,
  branchHead,
  compareAndSwapBranch,
  findCommitWithTrailer,
  isAncestor,
  mergeTrees,
  writeCommit,
} from "@/lib/git/local/git-writes";
import type { GitPerson, PullRequest, PullRequestReview } from "@/lib/git/provider";

/** The trailer every local merge commit carries, so a merge that landed can always be found again. */
const MERGED_PULL_REQUEST_TRAILER = "Gantry-Pull-Request";

const MAX_TITLE = 256;
const MAX_BODY = 65_536;

/**
 * Pull requests of the local provider, kept in Postgres next to the bare
 * repository. They behave like GitHub's where Gantry relies on it: numbers
 * per repository from 1, at most one open pull request per head and base,
 * the author cannot approve their own, merging a merged one answers with
 * its merge commit.
 */
export class LocalPullRequests {
  private readonly db: PrismaClient;
  private readonly git: GitCli;
  private readonly repository: string;

  constructor(options: { db: PrismaClient; git: GitCli; repository: string }) {
    this.db = options.db;
    this.git = options.git;
    this.repository = options.repository;
  }

  async find(params: { head: string; base: string }): Promise<PullRequest | null> {
    const row = await this.db.localPullRequest.findFirst({
      where: { repository: this.repository, head: params.head, base: params.base },
      orderBy: { number: "desc" },
    });
    return row ? this.toPullRequest(row) : null;
  }

  async get(number: number): Promise<PullRequest> {
    return this.toPullRequest(await this.row(number));
  }

  async open(params: {
    head: string;
    base: string;
    title: string;
    body: string;
    labels: readonly string[];
    author: GitPerson;
  }): Promise<PullRequest> {
    assertBranchName(params.head);
    assertBranchName(params.base);
    if (params.head === params.base) {
      throw gitError("unprocessable", "a pull request needs different head and base branches");
    }
    const title = params.title.trim();
    if (title === "" || title.length > MAX_TITLE) {
      throw gitError("bad_request", `a pull request title needs 1–${MAX_TITLE} characters`);
    }
    if (params.body.length > MAX_BODY) {
      throw gitError("bad_request", `a pull request body is at most ${MAX_BODY} characters`);
    }
    const [headSha, baseSha] = await Promise.all([
      branchHead(this.git, params.head),
      branchHead(this.git, params.base),
    ]);
    if (!headSha) throw gitError("unprocessable", `head branch ${params.head} does not exist`);
    if (!baseSha) throw gitError("unprocessable", `base branch ${params.base} does not exist`);

    const labels = [...new Set(params.labels)];
    // One statement (gantry_open_local_pull_request): under the repository's lock, so numbers
    // are max + 1 per repository, the next number and the insert, unless one is open already.
    const inserted = await this.db.$queryRaw<LocalPullRequest[]>`
      SELECT * FROM gantry_open_local_pull_request(${this.repository}, ${params.head},
        ${params.base}, ${headSha}, ${title}, ${params.body}, ${labels}::text[],
        ${params.author.name}, ${params.author.email}, ${params.author.login ?? null})`;
    const row = inserted[0];
    if (!row) {
      const existing = await this.find({ head: params.head, base: params.base });
      throw gitError(
        "conflict",
        `a pull request from ${params.head} into ${params.base} is already open (#${existing?.number ?? "?"})`,
        { details: { number: existing?.number } },
      );
    }
    return this.toPullRequest(row);
  }

  async listReviews(number: number): Promise<PullRequestReview[]> {
    const pr = await this.row(number);
    const reviews = await this.db.localPullRequestReview.findMany({
      where: { pullRequestId: pr.id },
      orderBy: { submittedAt: "asc" },
    });
    return reviews.map(toReview);
  }

  async submitReview(params: {
    number: number;
    reviewer: GitPerson;
    decision: "approve" | "request_changes" | "comment";
    body: string;
  }): Promise<PullRequestReview> {
    const pr = await this.row(params.number);
    if (pr.state !== "open") {
      throw gitError(
        "conflict",
        `pull request #${pr.number} is ${pr.state}; it cannot be reviewed`,
      );
    }
    if (
      params.decision === "approve" &&
      params.reviewer.email.toLowerCase() === pr.authorEmail.toLowerCase()
    ) {
      throw gitError("unprocessable", "the author of a pull request cannot approve it");
    }
    const review = await this.db.localPullRequestReview.create({
      data: {
        pullRequestId: pr.id,
        reviewerName: params.reviewer.name,
        reviewerEmail: params.reviewer.email,
        reviewerLogin: params.reviewer.login ?? null,
        state:
          params.decision === "approve"
            ? "approved"
            : params.decision === "request_changes"
              ? "changes_requested"
              : "commented",
        body: params.body,
        commitSha: (await branchHead(this.git, pr.head)) ?? pr.headSha,
      },
    });
    return toReview(review);
  }

  async addComment(params: { number: number; body: string; author: GitPerson }): Promise<void> {
    const pr = await this.row(params.number);
    if (params.body.trim() === "" || params.body.length > MAX_BODY) {
      throw gitError("bad_request", `a comment needs 1–${MAX_BODY} characters`);
    }
    await this.db.localPullRequestComment.create({
      data: {
        pullRequestId: pr.id,
        authorName: params.author.name,
        authorEmail: params.author.email,
        body: params.body,
      },
    });
  }

  async close(number: number): Promise<void> {
    const pr = await this.row(number);
    if (pr.state === "merged") {
      throw gitError("conflict", `pull request #${number} is already merged`);
    }
    await this.db.localPullRequest.updateMany({
      where: { id: pr.id, state: "open" },
      data: { state: "closed", closedAt: new Date() },
    });
  }

  /**
   * Merges into the base branch: a merge commit (two parents) or a squash
   * commit (one parent), written with plumbing and published with a
   * compare-and-swap on the base ref; then the row is marked merged. The row
   * is locked for the whole step, so two merges of one pull request queue.
   *
   * A crash between moving the base ref and marking the row leaves a merged
   * branch and an open row: the next attempt finds the merge commit by its
   * trailer on the base branch and records it instead of merging again.
   */
  async merge(params: {
    number: number;
    expectedHeadSha: string;
    method: "merge" | "squash";
    message: string;
    mergedBy: GitPerson;
  }): Promise<{ sha: string }> {
    const number = params.number;
    return this.db.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM "LocalPullRequest"
          WHERE repository = ${this.repository} AND number = ${number}
          FOR UPDATE`;
        const id = locked[0]?.id;
        if (!id) throw notFound(this.repository, number);
        const pr = await tx.localPullRequest.findUniqueOrThrow({ where: { id } });
        if (pr.state === "merged" && pr.mergeCommitSha) return { sha: pr.mergeCommitSha };
        if (pr.state === "closed") {
          throw gitError("conflict", `pull request #${number} is closed; reopen it to merge`);
        }
        const markMerged = async (sha: string) => {
          await tx.localPullRequest.update({
            where: { id },
            data: {
              state: "merged",
              mergeCommitSha: sha,
              mergedAt: new Date(),
              mergedByName: params.mergedBy.name,
              mergedByEmail: params.mergedBy.email,
            },
          });
          return { sha };
        };

        const landed = await findCommitWithTrailer(this.git, {
          branch: pr.base,
          key: MERGED_PULL_REQUEST_TRAILER,
          value: String(number),
        });
        if (landed) return markMerged(landed);

        const head = await branchHead(this.git, pr.head);
        if (!head) {
          throw gitError("conflict", `the head branch ${pr.head} of #${number} no longer exists`);
        }
        if (head !== params.expectedHeadSha) {
          throw gitError(
            "conflict",
            `the head of #${number} moved to ${head.slice(0, 12)} (expected ${params.expectedHeadSha.slice(0, 12)}); review the new changes first`,
            { details: { head, expected: params.expectedHeadSha } },
          );
        }
        const base = await branchHead(this.git, pr.base);
        if (!base) throw gitError("conflict", `the base branch ${pr.base} no longer exists`);
        // Pushed into the base some other way: nothing left to merge.
        if (await isAncestor(this.git, head, base)) return markMerged(head);

        const merged = await mergeTrees(this.git, base, head);
        if (!merged.clean) {
          throw gitError(
            "conflict",
            `#${number} cannot be merged: ${pr.head} and ${pr.base} both changed ${merged.conflicts.join(", ")}`,
            { details: { conflicts: merged.conflicts } },
          );
        }
        const message = `${params.message.trimEnd()}\n\n${MERGED_PULL_REQUEST_TRAILER}: ${number}\n`;
        const sha = await writeCommit(this.git, {
          tree: merged.tree,
          parents: params.method === "merge" ? [base, head] : [base],
          message,
          // A squash commit carries the author's change; a merge commit is the merger's act.
          author:
            params.method === "squash"
              ? { name: pr.authorName, email: pr.authorEmail }
              : params.mergedBy,
          committer: params.mergedBy,
        });
        const moved = await compareAndSwapBranch(this.git, {
          name: pr.base,
          next: sha,
          expected: base,
          reason: `gantry: merge #${number}`,
        });
        if (!moved) {
          throw gitError("conflict", `${pr.base} moved while merging #${number}; try again`);
        }
        return markMerged(sha);
      },
      { maxWait: 10_000, timeout: 120_000 },
    );
  }

  private async row(number: number): Promise<LocalPullRequest> {
    if (!Number.isSafeInteger(number) || number < 1) throw notFound(this.repository, number);
    const row = await this.db.localPullRequest.findUnique({
      where: { repository_number: { repository: this.repository, number } },
    });
    if (!row) throw notFound(this.repository, number);
    return row;
  }

  /** The head is read live from the branch while the pull request is open, as a host would show it. */
  private async toPullRequest(row: LocalPullRequest): Promise<PullRequest> {
    const liveHead = row.state === "open" ? await branchHead(this.git, row.head) : null;
    return {
      number: row.number,
      state: row.state,
      title: row.title,
      body: row.body,
      head: row.head,
      base: row.base,
      headSha: liveHead ?? row.headSha,
      labels: row.labels,
      authorLogin: row.authorLogin ?? row.authorEmail,
      mergeCommitSha: row.mergeCommitSha,
      url: null,
      createdAt: row.createdAt.toISOString(),
      mergedAt: row.mergedAt?.toISOString() ?? null,
      closedAt: (row.closedAt ?? row.mergedAt)?.toISOString() ?? null,
    };
  }
}

function toReview(row: LocalPullRequestReview): PullRequestReview {
  return {
    id: row.id,
    reviewer: row.reviewerLogin ?? row.reviewerEmail,
    state: row.state,
    body: row.body,
    commitSha: row.commitSha,
    submittedAt: row.submittedAt.toISOString(),
  };
}

function notFound(repository: string, number: number) {
  return gitError("not_found", `pull request #${number} does not exist in ${repository}`, {
    details: { number },
  });
}
