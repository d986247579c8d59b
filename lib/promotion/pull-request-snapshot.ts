import { z } from "zod";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import type { CheckSummary, GitProvider, PullRequest, PullRequestReview } from "@/lib/git/provider";

/** A promotion's pull request as the Git host shows it: the request, its reviews and its head's checks. */
export interface LivePullRequest {
  pullRequest: PullRequest;
  reviews: PullRequestReview[];
  checks: CheckSummary;
}

const isObject = (value: unknown) => typeof value === "object" && value !== null;

/** What is stored; `v` lets a later shape be told apart (and re-read from the host) instead of misread. */
const StoredSnapshot = z.object({
  v: z.literal(1),
  pullRequest: z.custom<PullRequest>(
    (value) => isObject(value) && typeof (value as { number?: unknown }).number === "number",
  ),
  reviews: z.array(z.custom<PullRequestReview>(isObject)),
  checks: z.custom<CheckSummary>(
    (value) => isObject(value) && Array.isArray((value as { checks?: unknown }).checks),
  ),
});

/**
 * The pull request of a promotion for pages and the API, from the database:
 * polling a promotion asks the Git host nothing. The copy is read from the
 * host once (when there is none, or when a person asks with `refresh`) and
 * forgotten whenever something may have changed it: a state change, a
 * review, a webhook or the poller's reading of the pull request, a check on
 * its head (forgetPullRequestSnapshot). The next read then asks the host once.
 */
export async function readPullRequestSnapshot(params: {
  // Not PromotionContext: transitions.ts imports this module, and the context's types import it.
  ctx: { db: PrismaClient; git: Pick<GitProvider, "getPullRequest" | "listReviews" | "getChecks"> };
  promotionId: string;
  prNumber: number;
  refresh?: boolean;
}): Promise<LivePullRequest> {
  const { db, git } = params.ctx;
  if (!params.refresh) {
    const row = await db.promotion.findUnique({
      where: { id: params.promotionId },
      select: { pullRequestSnapshot: true },
    });
    const stored = StoredSnapshot.safeParse(row?.pullRequestSnapshot);
    if (stored.success && stored.data.pullRequest.number === params.prNumber) {
      const { pullRequest, reviews, checks } = stored.data;
      return { pullRequest, reviews, checks };
    }
  }
  const pullRequest = await git.getPullRequest(params.prNumber);
  const [reviews, checks] = await Promise.all([
    git.listReviews(params.prNumber),
    git.getChecks(pullRequest.headSha),
  ]);
  const snapshot: z.input<typeof StoredSnapshot> = { v: 1, pullRequest, reviews, checks };
  await db.promotion.update({
    where: { id: params.promotionId },
    data: {
      pullRequestSnapshot: JSON.parse(JSON.stringify(snapshot)) as Prisma.InputJsonValue,
      pullRequestSnapshotAt: new Date(),
    },
  });
  return { pullRequest, reviews, checks };
}

/** Forgets the stored copy of these promotions' pull requests: the next read asks the host. */
export async function forgetPullRequestSnapshot(
  db: Prisma.TransactionClient | PrismaClient,
  promotionIds: readonly string[],
): Promise<void> {
  if (promotionIds.length === 0) return;
  await db.promotion.updateMany({
    where: { id: { in: [...promotionIds] }, pullRequestSnapshotAt: { not: null } },
    data: { pullRequestSnapshot: Prisma.DbNull, pullRequestSnapshotAt: null },
  });
}
