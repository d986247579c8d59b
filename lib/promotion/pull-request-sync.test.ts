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
  it("each reviewer's latest verdict counts; comments are not verdicts", () => {
    const reviews = [
      review("bob", "changes_requested", HEAD, 1),
      review("bob", "approved", HEAD, 2),
      review("bob", "commented", HEAD, 3),
    ];
    expect(changesFromPullRequest(pull, reviews)).toContainEqual({
      kind: "approved",
      commitSha: HEAD,
      reviewer: "bob",
    });
  });

  it("an approval of an older head does not count; changes requested by anyone block", () => {
    const old = changesFromPullRequest(pull, [review("bob", "approved", OLD, 1)]);
    expect(old.map((c) => c.kind)).toEqual(["head_moved", "approval_withdrawn"]);
    const blocked = changesFromPullRequest(pull, [
      review("bob", "approved", HEAD, 1),
      review("carol", "changes_requested", HEAD, 2),
    ]);
    expect(blocked.at(-1)).toMatchObject({ kind: "approval_withdrawn", why: "changes_requested" });
  });

  it("a merged or closed pull request is only that", () => {
    const merged = {
      ...pull,
      state: "merged" as const,
      mergeCommitSha: OLD,
      mergedAt: pull.createdAt,
    };
    expect(changesFromPullRequest(merged, null)).toEqual([
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
    const approval = { kind: "approved", commitSha: HEAD, reviewer: "bob" } as const;
    expect(targetState("pr_open", HEAD, approval)).toBe("approved");
    expect(targetState("pr_open", OLD, approval)).toBe(null);
    expect(targetState("approved", HEAD, approval)).toBe(null);
  });
});
