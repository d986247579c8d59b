import type { ApprovalStanding, EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";

/**
 * A review of a promotion's pull request, given in the portal or picked up
 * from the Git host. Identity fields are whatever is known: a portal review
 * has the reviewer's User id, a review from GitHub may only have a login.
 */
export interface PolicyReview {
  userId: string | null;
  reviewerName: string;
  reviewerLogin: string | null;
  reviewerEmail: string | null;
  /** The reviewer's teams, when known; an empty list counts as "not a member". */
  teams: readonly string[];
  decision: "approve" | "request_changes";
  /** The commit the review was given on. */
  headCommit: string;
  createdAt: Date;
  dismissed: boolean;
}

export interface ApprovalStandingInput {
  policy: EnvironmentPolicy;
  /** Who asked for the promotion: their User id when a person did. */
  authorId: string | null;
  authorEmail: string;
  /** The author's login on the Git host, when known (their reviews there never count either). */
  authorLogin?: string | null;
  /** The pull request's current head: reviews of earlier commits do not count. */
  headCommit: string;
  reviews: readonly PolicyReview[];
}

/** The identifiers a review names its reviewer by; two reviews sharing any one are the same person. */
function identifiersOf(review: PolicyReview): string[] {
  const ids: string[] = [];
  if (review.userId) ids.push(`user:${review.userId}`);
  if (review.reviewerLogin) ids.push(`login:${review.reviewerLogin.toLowerCase()}`);
  if (review.reviewerEmail) ids.push(`email:${review.reviewerEmail.toLowerCase()}`);
  if (ids.length === 0) ids.push(`name:${review.reviewerName}`);
  return ids;
}

function isAuthor(review: PolicyReview, input: ApprovalStandingInput): boolean {
  if (input.authorId && review.userId === input.authorId) return true;
  if (
    review.reviewerEmail &&
    review.reviewerEmail.toLowerCase() === input.authorEmail.toLowerCase()
  ) {
    return true;
  }
  return Boolean(
    input.authorLogin &&
      review.reviewerLogin &&
      review.reviewerLogin.toLowerCase() === input.authorLogin.toLowerCase(),
  );
}

/** Reviews grouped by person (any shared identifier joins two groups), each group oldest first. */
function groupByPerson(reviews: readonly PolicyReview[]): PolicyReview[][] {
  const groups: { ids: Set<string>; reviews: PolicyReview[] }[] = [];
  for (const review of reviews) {
    const ids = identifiersOf(review);
    const matching = groups.filter((group) => ids.some((id) => group.ids.has(id)));
    const merged = { ids: new Set(ids), reviews: [review] };
    for (const group of matching) {
      for (const id of group.ids) merged.ids.add(id);
      merged.reviews.push(...group.reviews);
      groups.splice(groups.indexOf(group), 1);
    }
    groups.push(merged);
  }
  return groups.map((group) =>
    [...group.reviews].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
  );
}

/** "Carol", "Carol and Dave", "Carol, Dave and Erin". */
function listInWords(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Where a promotion stands against its environment's approval policy:
 * - only reviews of the current head that were not dismissed count;
 * - a person's latest review wins (an approval after a request for changes lifts it);
 * - the author's own reviews never count (four eyes);
 * - when the policy names a team, only its members' approvals count;
 * - a request for changes by anyone blocks until that person approves.
 */
export function approvalStanding(input: ApprovalStandingInput): ApprovalStanding {
  const { required, team } = input.policy.approvals;
  const relevant = input.reviews.filter(
    (review) =>
      !review.dismissed && review.headCommit === input.headCommit && !isAuthor(review, input),
  );
  const approvers: string[] = [];
  const changesRequestedBy: string[] = [];
  for (const personReviews of groupByPerson(relevant)) {
    const latest = personReviews[personReviews.length - 1];
    if (latest === undefined) continue;
    if (latest.decision === "request_changes") {
      changesRequestedBy.push(latest.reviewerName);
    } else if (team === null || latest.teams.includes(team)) {
      approvers.push(latest.reviewerName);
    }
  }
  const counted = approvers.length;
  const blockers: string[] = [];
  const missing = required - counted;
  if (missing > 0) {
    const noun = missing === 1 ? "approval" : "approvals";
    blockers.push(`needs ${missing} more ${noun}${team ? ` from ${team}` : ""}`);
  }
  if (changesRequestedBy.length > 0) {
    blockers.push(`changes requested by ${listInWords(changesRequestedBy)}`);
  }
  return {
    required,
    counted,
    approvers,
    changesRequestedBy,
    satisfied: blockers.length === 0,
    blockers,
  };
}
