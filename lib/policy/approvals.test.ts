import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";
import { approvalStanding, type PolicyReview } from "@/lib/policy/approvals";

const HEAD = "a".repeat(40);
const OLD_HEAD = "b".repeat(40);

function policy(required: number, team: string | null = null): EnvironmentPolicy {
  return { ...DEFAULT_POLICY, approvals: { required, team } };
}

let clock = Date.parse("2026-11-20T10:00:00Z");
function review(
  name: string,
  decision: PolicyReview["decision"] = "approve",
  overrides: Partial<PolicyReview> = {},
): PolicyReview {
  clock += 60_000;
  return {
    userId: `user-${name.toLowerCase()}`,
    reviewerName: name,
    reviewerLogin: name.toLowerCase(),
    reviewerEmail: `${name.toLowerCase()}@example.com`,
    teams: [],
    decision,
    headCommit: HEAD,
    createdAt: new Date(clock),
    dismissed: false,
    ...overrides,
  };
}

const author = { authorId: "user-alice", authorEmail: "alice@example.com", headCommit: HEAD };

describe("approvalStanding", () => {
  it("is satisfied with no reviews when none are required", () => {
    const standing = approvalStanding({ ...author, policy: policy(0), reviews: [] });
    expect(standing).toEqual({
      required: 0,
      counted: 0,
      approvers: [],
      changesRequestedBy: [],
      satisfied: true,
      blockers: [],
    });
  });

  it("counts approvals of the current head and says how many more are needed", () => {
    const standing = approvalStanding({
      ...author,
      policy: policy(2),
      reviews: [review("Bob")],
    });
    expect(standing.counted).toBe(1);
    expect(standing.approvers).toEqual(["Bob"]);
    expect(standing.satisfied).toBe(false);
    expect(standing.blockers).toEqual(["needs 1 more approval"]);

    const none = approvalStanding({ ...author, policy: policy(2), reviews: [] });
    expect(none.blockers).toEqual(["needs 2 more approvals"]);

    const two = approvalStanding({
      ...author,
      policy: policy(2),
      reviews: [review("Bob"), review("Carol")],
    });
    expect(two).toMatchObject({ counted: 2, satisfied: true, blockers: [] });
  });

  it("ignores reviews of an earlier head and dismissed reviews", () => {
    const standing = approvalStanding({
      ...author,
      policy: policy(1),
      reviews: [
        review("Bob", "approve", { headCommit: OLD_HEAD }),
        review("Carol", "approve", { dismissed: true }),
        review("Dave", "request_changes", { headCommit: OLD_HEAD }),
      ],
    });
    expect(standing).toMatchObject({
      counted: 0,
      changesRequestedBy: [],
      satisfied: false,
      blockers: ["needs 1 more approval"],
    });
  });

  it("never counts the author's own approval (four eyes), by id, e-mail or login", () => {
    const byId = review("Alice", "approve", { reviewerEmail: null, reviewerLogin: null });
    const byEmail = review("Alice", "approve", {
      userId: null,
      reviewerLogin: "alice-gh",
      reviewerEmail: "ALICE@example.com",
    });
    const byLogin = review("Alice", "approve", {
      userId: null,
      reviewerLogin: "Alice-GH",
      reviewerEmail: null,
    });
    const standing = approvalStanding({
      ...author,
      authorLogin: "alice-gh",
      policy: policy(1),
      reviews: [byId, byEmail, byLogin],
    });
    expect(standing.counted).toBe(0);
    expect(standing.satisfied).toBe(false);
    // Without the login the GitHub-only review is someone else's as far as we can tell.
    const withoutLogin = approvalStanding({ ...author, policy: policy(1), reviews: [byLogin] });
    expect(withoutLogin.counted).toBe(1);
  });

  it("counts a person once, by their latest review, across portal and Git host identities", () => {
    const portal = review("Bob", "approve", { reviewerLogin: null });
    const github = review("Bob", "approve", { userId: null, reviewerEmail: null });
    const linked = review("Bob", "approve");
    const standing = approvalStanding({
      ...author,
      policy: policy(2),
      reviews: [portal, github, linked],
    });
    expect(standing.counted).toBe(1);
    expect(standing.approvers).toEqual(["Bob"]);
  });

  it("lets the latest review per person win, whatever order they arrive in", () => {
    const approve = review("Bob", "approve");
    const requestChanges = review("Bob", "request_changes");
    const standing = approvalStanding({
      ...author,
      policy: policy(1),
      reviews: [requestChanges, approve],
    });
    expect(standing).toMatchObject({
      counted: 0,
      changesRequestedBy: ["Bob"],
      satisfied: false,
      blockers: ["needs 1 more approval", "changes requested by Bob"],
    });
  });

  it("blocks on a request for changes until that person approves", () => {
    const carolAsks = review("Carol", "request_changes");
    const bob = review("Bob");
    const dave = review("Dave");
    const blocked = approvalStanding({
      ...author,
      policy: policy(2),
      reviews: [carolAsks, bob, dave],
    });
    expect(blocked.counted).toBe(2);
    expect(blocked.satisfied).toBe(false);
    expect(blocked.blockers).toEqual(["changes requested by Carol"]);

    const carolApproves = review("Carol");
    const lifted = approvalStanding({
      ...author,
      policy: policy(2),
      reviews: [carolAsks, bob, dave, carolApproves],
    });
    expect(lifted).toMatchObject({ counted: 3, satisfied: true, changesRequestedBy: [] });
  });

  it("blocks even when no approvals are required, and names everyone who asked", () => {
    const standing = approvalStanding({
      ...author,
      policy: policy(0),
      reviews: [review("Carol", "request_changes"), review("Dave", "request_changes")],
    });
    expect(standing.satisfied).toBe(false);
    expect(standing.blockers).toEqual(["changes requested by Carol and Dave"]);
  });

  it("counts only members of the named team, but anyone's request for changes blocks", () => {
    const member = review("Bob", "approve", { teams: ["payments", "prod-approvers"] });
    const outsider = review("Carol", "approve", { teams: ["payments"] });
    const unknownTeams = review("Dave", "approve", { teams: [] });
    const standing = approvalStanding({
      ...author,
      policy: policy(2, "prod-approvers"),
      reviews: [member, outsider, unknownTeams],
    });
    expect(standing.counted).toBe(1);
    expect(standing.approvers).toEqual(["Bob"]);
    expect(standing.blockers).toEqual(["needs 1 more approval from prod-approvers"]);

    const outsiderObjects = approvalStanding({
      ...author,
      policy: policy(1, "prod-approvers"),
      reviews: [member, review("Erin", "request_changes", { teams: [] })],
    });
    expect(outsiderObjects.satisfied).toBe(false);
    expect(outsiderObjects.blockers).toEqual(["changes requested by Erin"]);
  });
});
