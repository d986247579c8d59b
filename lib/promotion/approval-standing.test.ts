import { describe, expect, it } from "vitest";
import type { ApprovalStanding } from "@/lib/gitops-repo/policy/types";
import {
  currentReviewOf,
  type ReviewView,
  reviewStateFor,
  standingInWords,
} from "@/lib/promotion/approval-standing";

function standing(counted: number, required: number, blockers: string[] = []): ApprovalStanding {
  return {
    required,
    counted,
    approvers: Array.from({ length: counted }, (_, i) => `Approver ${i}`),
    changesRequestedBy: [],
    satisfied: blockers.length === 0 && counted >= required,
    blockers,
  };
}

describe("reviewStateFor", () => {
  it("approved once the policy is satisfied by at least one approval; back to pr_open when it no longer is", () => {
    expect(reviewStateFor("pr_open", standing(1, 2, ["needs 1 more approval"]))).toBe(null);
    expect(reviewStateFor("pr_open", standing(2, 2))).toBe("approved");
    expect(reviewStateFor("approved", standing(2, 2))).toBe(null);
    expect(reviewStateFor("approved", standing(1, 2, ["needs 1 more approval"]))).toBe("pr_open");
    expect(reviewStateFor("approved", standing(2, 2, ["changes requested by Dave"]))).toBe(
      "pr_open",
    );
  });

  it("with no approval required a promotion stays pr_open (it may merge) until someone approves", () => {
    expect(reviewStateFor("pr_open", standing(0, 0))).toBe(null);
    expect(reviewStateFor("pr_open", standing(1, 0))).toBe("approved");
    expect(reviewStateFor("approved", standing(0, 0))).toBe("pr_open");
  });

  it("promotions not under review are left alone", () => {
    expect(reviewStateFor("merged", standing(2, 2))).toBe(null);
    expect(reviewStateFor("planned", standing(2, 2))).toBe(null);
  });
});

describe("standingInWords", () => {
  it("names what is missing, or that it may merge", () => {
    expect(standingInWords(standing(1, 2, ["needs 1 more approval from prod-approvers"]))).toBe(
      "needs 1 more approval from prod-approvers",
    );
    expect(standingInWords(standing(2, 2))).toBe("approved by 2 of 2 required");
    expect(standingInWords(standing(0, 0))).toBe("no approval required");
  });
});

describe("currentReviewOf", () => {
  function review(id: string, over: Partial<ReviewView> = {}): ReviewView {
    return {
      id,
      decision: "approve",
      reviewer: { id: "ann", name: "Ann", login: null },
      comment: "",
      source: "portal",
      headCommit: "c1",
      current: true,
      dismissed: false,
      createdAt: "2026-12-03T10:00:00.000Z",
      ...over,
    };
  }

  it("is the person's latest review that still counts, so the page hides the form that gave it", () => {
    const reviews = [
      review("r1"),
      review("r2", { reviewer: { id: "bob", name: "Bob", login: null } }),
      review("r3", { decision: "request_changes" }),
    ];
    expect(currentReviewOf(reviews, "ann")?.id).toBe("r3");
    expect(currentReviewOf(reviews, "bob")?.id).toBe("r2");
    expect(currentReviewOf(reviews, "carol")).toBe(null);
  });

  it("ignores reviews of an earlier commit and dismissed ones: the person may review again", () => {
    expect(currentReviewOf([review("r1", { current: false })], "ann")).toBe(null);
    expect(currentReviewOf([review("r1", { dismissed: true, current: false })], "ann")).toBe(null);
  });
});
