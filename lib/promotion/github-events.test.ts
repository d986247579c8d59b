import { describe, expect, it } from "vitest";
import type { GitHubEvent } from "@/lib/git/github/webhook";
import { type GitopsRepository, meaningOfGitHubEvent } from "@/lib/promotion/github-events";

const SHA = "a".repeat(40);
const GITHUB: GitopsRepository = {
  provider: "github",
  owner: "Acme",
  repository: "GitOps",
  defaultBranch: "main",
};

function pullRequest(action: string, repository = "acme/gitops"): GitHubEvent {
  return {
    type: "pull_request",
    action,
    repository,
    pullRequest: {
      number: 4,
      state: "open",
      merged: false,
      mergeCommitSha: null,
      head: "gantry/promote/x",
      headSha: SHA,
      base: "main",
    },
  };
}

function meaning(event: GitHubEvent | null, gitops = GITHUB, eventName = event?.type ?? "ping") {
  return meaningOfGitHubEvent({ eventName, event, gitops });
}

describe("meaningOfGitHubEvent", () => {
  it("applies the configured repository only, owner and name without case", () => {
    expect(meaning(pullRequest("synchronize", "ACME/gitops"))).toEqual({
      change: { kind: "head_moved", pullRequest: 4, headSha: SHA },
    });
    for (const other of ["acme/website", "mallory/gitops", "acme/gitops2"]) {
      expect(meaning(pullRequest("synchronize", other))).toEqual({
        ignored: expect.stringContaining(other),
      });
    }
  });

  it("applies nothing on the local provider, whatever the repository is called", () => {
    const local: GitopsRepository = { ...GITHUB, provider: "local", owner: undefined };
    expect(meaning(pullRequest("closed"), local)).toEqual({
      ignored: expect.stringContaining("not on GitHub"),
    });
  });

  it("a new head (opened, reopened, synchronised) is one change; other actions are ignored", () => {
    for (const action of ["opened", "reopened", "synchronize"]) {
      expect(meaning(pullRequest(action))).toMatchObject({ change: { kind: "head_moved" } });
    }
    for (const action of ["labeled", "edited", "assigned"]) {
      expect(meaning(pullRequest(action))).toEqual({
        ignored: `pull_request ${action} does not concern promotions or the catalogue`,
      });
    }
  });

  it("pushes matter on the default branch only; unused events are ignored by name", () => {
    const push = (ref: string): GitHubEvent => ({
      type: "push",
      repository: "acme/gitops",
      ref,
      before: "0".repeat(40),
      after: SHA,
    });
    expect(meaning(push("refs/heads/main"))).toEqual({
      change: { kind: "default_branch_pushed", after: SHA },
    });
    expect(meaning(push("refs/heads/gantry/promote/x"))).toHaveProperty("ignored");
    expect(meaning(null, GITHUB, "projects_v2_item")).toEqual({
      ignored: "projects_v2_item events are not used",
    });
  });

  it("a submitted verdict or a dismissal is a review; a comment is not", () => {
    const review = (action: string, state: string): GitHubEvent => ({
      type: "pull_request_review",
      action,
      repository: "acme/gitops",
      pullRequestNumber: 4,
      review: { id: 7, state, reviewer: "bob", commitSha: SHA, submittedAt: null },
    });
    expect(meaning(review("submitted", "APPROVED"))).toMatchObject({
      change: { kind: "reviews", pullRequest: 4, reviews: [{ id: "7", state: "approved" }] },
    });
    expect(meaning(review("dismissed", "dismissed"))).toMatchObject({
      change: { kind: "reviews", reviews: [{ state: "dismissed" }] },
    });
    expect(meaning(review("submitted", "commented"))).toHaveProperty("ignored");
  });
});
