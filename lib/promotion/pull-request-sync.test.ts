import { describe, expect, it } from "vitest";
import type { PullRequest, PullRequestReview } from "@/lib/git/provider";
import { changesFromPullRequest, targetState } from "@/lib/promotion/pull-request-sync";

const HEAD = "a".repeat(40);
const OLD = "b".repeat(40);

const pull: PullRequest = {
  number: 7,
  state: "open",
  title: "Promote",
  body: "",
  head: "gantry/promote/x",
  base: "main",
  headSha: HEAD,
  labels: [],
  authorLogin: "gantry-bot",
  mergeCommitSha: null,
  url: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  mergedAt: null,
  closedAt: null,
};

function review(
  reviewer: string,
  state: PullRequestReview["state"],
  commitSha: string,
  minute: number,
): PullRequestReview {
  return {
    id: `${reviewer}-${minute}`,
    reviewer,
    state,
    body: "",
    commitSha,
    submittedAt: `2026-01-01T00:${String(minute).padStart(2, "0")}:00.000Z`,
  };
}

describe("changesFromPullRequest", () => {
  it("an open pull request: its head, and its verdicts as they are (comments are not verdicts)", () => {
    const reviews = [
      review("bob", "changes_requested", HEAD, 1),
      review("bob", "approved", HEAD, 2),
      review("bob", "commented", HEAD, 3),
      review("carol", "approved", OLD, 4),
      review("dave", "dismissed", HEAD, 5),
    ];
    const changes = changesFromPullRequest(pull, reviews);
    expect(changes.map((c) => c.kind)).toEqual(["head_moved", "reviews"]);
    const reviewed = changes[1];
    if (reviewed?.kind !== "reviews") throw new Error("expected the reviews");
    expect(reviewed.headSha).toBe(HEAD);
    // Which of them count is the approval standing's business (policy/approvals.ts), not this one's.
    expect(reviewed.reviews.map((r) => [r.id, r.state, r.commitSha])).toEqual([
      ["bob-1", "changes_requested", HEAD],
      ["bob-2", "approved", HEAD],
      ["carol-4", "approved", OLD],
      ["dave-5", "dismissed", HEAD],
    ]);
    expect(reviewed.reviews[0]?.submittedAt).toEqual(new Date("2026-01-01T00:01:00.000Z"));
  });

  it("without reading the reviews, only the head", () => {
    expect(changesFromPullRequest(pull, null)).toEqual([{ kind: "head_moved", headSha: HEAD }]);
  });

  it("a merged or closed pull request is only that", () => {
    const merged = {
      ...pull,
      state: "merged" as const,
      mergeCommitSha: OLD,
      mergedAt: pull.createdAt,
    };
    expect(changesFromPullRequest(merged, [review("bob", "approved", HEAD, 1)])).toEqual([
      { kind: "merged", mergeCommit: OLD, mergedAt: new Date(pull.createdAt) },
    ]);
    expect(changesFromPullRequest({ ...pull, state: "closed" }, null)).toEqual([
      { kind: "closed" },
    ]);
  });
});

describe("targetState", () => {
  it("moves only where the table allows, and is a no-op in the target state", () => {
    expect(targetState("pr_open", HEAD, { kind: "merged", mergeCommit: OLD, mergedAt: null })).toBe(
      "merged",
    );
    expect(targetState("merged", HEAD, { kind: "merged", mergeCommit: OLD, mergedAt: null })).toBe(
      null,
    );
    expect(targetState("superseded", HEAD, { kind: "closed" })).toBe(null);
    expect(targetState("approved", HEAD, { kind: "head_moved", headSha: HEAD })).toBe(null);
    expect(targetState("approved", HEAD, { kind: "head_moved", headSha: OLD })).toBe("pr_open");
    expect(targetState("pr_open", HEAD, { kind: "head_moved", headSha: OLD })).toBe(null);
  });
});
