import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import type { GitHubEvent } from "@/lib/git/github/webhook";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { type PullRequestEtags, pollPullRequests } from "@/lib/promotion/poll-pull-requests";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { reviewBody, reviewPromotion } from "@/lib/promotion/review-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { appFiles, CHART_YAML } from "@/test/catalogue/gitops-fixture";
import {
  ALICE,
  applyGitHubEvent,
  BOB,
  CAROL,
  createPeople,
  RecordedJobs,
} from "@/test/promotion/support";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import type { FakeGitHub } from "./fake-github";
import { OWNER, providerFor, REPO, startFake } from "./support";

/**
 * Approvals on GitHub (the fake, every request and answer checked against
 * GitHub's OpenAPI description): a review given in the portal lands on the
 * pull request as a review by Gantry's identity naming the person, and a
 * review given on GitHub itself (webhook or poll) becomes an Approval and
 * counts against the environment's policy like one given in the portal.
 */

const ENVIRONMENTS = `environments:
  - name: staging
    displayName: Staging
    clusters:
      - name: staging-eu-1
  - name: prod
    displayName: Production
    clusters:
      - name: prod-eu-1
    policy:
      approvals: 2
`;

let fake: FakeGitHub;
let github: GitHubProvider;
let database: TestDatabase;
let ctx: PromotionContext;
/** People reviewing on GitHub itself, by login. */
const onGitHub = new Map<string, GitHubProvider>();
let appCount = 0;
const freshEtags = (): PullRequestEtags => new Map();

beforeAll(async () => {
  ({ fake } = await startFake());
  const token = `ghp_gantry${Date.now()}`;
  fake.addToken(token, "gantry-bot");
  for (const login of ["carol-gh", "dave-gh", "alice-gh"]) {
    const personal = `ghp_${login.replace("-", "")}${Date.now()}`;
    fake.addToken(personal, login);
    onGitHub.set(login, providerFor(fake, { type: "token", token: personal }));
  }
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < 6; i++) {
    Object.assign(files, appFiles(`app-${i}`, "payments", { staging: "1.1.0", prod: "1.0.0" }));
  }
  fake.push({ files, message: "fleet with a prod policy" });
  github = providerFor(fake, { type: "token", token });
  database = await createTestDatabase();
  await createPeople(database.db);
  // Carol and Alice have linked their GitHub logins; dave-gh is nobody Gantry knows.
  await database.db.user.update({ where: { id: CAROL.id }, data: { gitLogin: "carol-gh" } });
  await database.db.user.update({ where: { id: ALICE.id }, data: { gitLogin: "alice-gh" } });
  await importCatalogue({
    db: database.db,
    git: github,
    versionPath: "image.tag",
    trigger: "test",
  });
  ctx = {
    db: database.db,
    git: github,
    jobs: new RecordedJobs(),
    versionPath: "image.tag",
    publicUrl: "https://gantry.example.com",
    mergeMethod: "merge",
  };
});

afterAll(async () => {
  await fake?.close();
  await database?.drop();
  // Every request Gantry made, and every answer, matched GitHub's OpenAPI description.
  expect(fake.problems).toEqual([]);
});

async function openPromotion() {
  const { promotion } = await requestPromotion({
    ctx,
    principal: ALICE,
    application: `app-${appCount++}`,
    environment: "prod",
    reason: "approvals on GitHub",
  });
  await openPromotionPullRequest({ ctx, promotionId: promotion.id });
  const row = await database.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
  if (row.prNumber === null || row.headCommit === null) throw new Error("no pull request");
  return { id: row.id, number: row.prNumber, head: row.headCommit };
}

type ReviewEvent = Extract<GitHubEvent, { type: "pull_request_review" }>;

/** A review given on GitHub by `login`, and the webhook delivery GitHub would send for it. */
async function reviewOnGitHub(
  p: { number: number },
  login: string,
  decision: "approve" | "request_changes",
  body: string,
) {
  const git = onGitHub.get(login);
  if (!git) throw new Error(`no GitHub user ${login}`);
  const review = await git.submitReview({
    number: p.number,
    reviewer: { name: login, email: `${login}@users.noreply.github.com`, login },
    decision,
    body,
  });
  const event: ReviewEvent = {
    type: "pull_request_review",
    action: "submitted",
    repository: `${OWNER}/${REPO}`,
    pullRequestNumber: p.number,
    review: {
      id: Number(review.id),
      state: review.state,
      reviewer: login,
      commitSha: review.commitSha,
      body: review.body,
      submittedAt: review.submittedAt,
    },
  };
  return { review, event };
}

describe("approvals on GitHub (fake)", () => {
  it("a portal approval is posted by Gantry's identity as a comment naming the person, and recorded with its review id", async () => {
    const p = await openPromotion();
    const result = await reviewPromotion({
      ctx,
      promotionId: p.id,
      principal: BOB,
      decision: "approve",
      comment: "checked the diff",
    });
    const posted = fake.reviews.filter((review) => review.pull === p.number);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ user: "gantry-bot", state: "COMMENTED", commitId: p.head });
    expect(posted[0]?.body.startsWith(reviewBody("approve", BOB, "checked the diff"))).toBe(true);
    expect(posted[0]?.body).toContain(`Approved in Gantry by ${BOB.name} <${BOB.email}>`);
    expect(result.reviewId).toBe(String(posted[0]?.id));
    expect(result.approvals.standing).toMatchObject({
      counted: 1,
      blockers: ["needs 1 more approval"],
    });

    // GitHub's webhook for Gantry's own comment review changes nothing.
    const own: GitHubEvent = {
      type: "pull_request_review",
      action: "submitted",
      repository: `${OWNER}/${REPO}`,
      pullRequestNumber: p.number,
      review: {
        id: Number(result.reviewId),
        state: "commented",
        reviewer: "gantry-bot",
        commitSha: p.head,
      },
    };
    expect((await applyGitHubEvent(ctx, own)).promotions).toEqual([]);
    expect(await database.db.approval.count({ where: { promotionId: p.id } })).toBe(1);
  });

  it("a review given on GitHub by a linked person becomes their Approval and counts: with a portal approval, two of two", async () => {
    const p = await openPromotion();
    await reviewPromotion({ ctx, promotionId: p.id, principal: BOB, decision: "approve" });
    const { review, event } = await reviewOnGitHub(p, "carol-gh", "approve", "LGTM from GitHub");
    const outcome = await applyGitHubEvent(ctx, event);
    expect(outcome.promotions).toEqual([{ promotionId: p.id, changed: true, state: "approved" }]);
    const row = await database.db.approval.findUniqueOrThrow({
      where: { promotionId_reviewId: { promotionId: p.id, reviewId: review.id } },
    });
    expect(row).toMatchObject({
      source: "git",
      userId: CAROL.id,
      reviewerName: CAROL.name,
      reviewerLogin: "carol-gh",
      decision: "approve",
      headCommit: p.head,
      dismissedAt: null,
    });
    // (The provider standing in for a person on GitHub adds its own signature.)
    expect(row.comment.startsWith("LGTM from GitHub")).toBe(true);
    const audit = await database.db.auditEvent.findFirstOrThrow({
      where: { promotionId: p.id, action: "approval.given", actorId: CAROL.id },
    });
    expect(audit.detail).toMatchObject({ source: "git", reviewId: review.id });

    // Redelivered: nothing new.
    const again = await applyGitHubEvent(ctx, event);
    expect(again.promotions).toEqual([{ promotionId: p.id, changed: false, state: "approved" }]);
    expect(await database.db.approval.count({ where: { promotionId: p.id } })).toBe(2);

    // Dismissed on GitHub: it stops counting, and the promotion is open for review again.
    const dismissed: ReviewEvent = {
      ...event,
      action: "dismissed",
      review: { ...event.review, state: "dismissed" },
    };
    const after = await applyGitHubEvent(ctx, dismissed);
    expect(after.promotions).toEqual([{ promotionId: p.id, changed: true, state: "pr_open" }]);
    expect(
      (
        await database.db.approval.findUniqueOrThrow({
          where: { promotionId_reviewId: { promotionId: p.id, reviewId: review.id } },
        })
      ).dismissedAt,
    ).not.toBeNull();
  });

  it("the poller picks up reviews nobody delivered: an unknown login counts, the author's own login does not", async () => {
    const p = await openPromotion();
    await reviewOnGitHub(p, "dave-gh", "approve", "fine");
    // Alice asked for the promotion; her approval on GitHub never counts (four eyes).
    await reviewOnGitHub(p, "alice-gh", "approve", "my own");
    // A fresh poller: reviews are read when a pull request is read anew (no ETag yet).
    const polled = await pollPullRequests({ ctx, etags: freshEtags() });
    expect(polled.moved).toEqual([{ promotionId: p.id, changed: true, state: "pr_open" }]);
    const rows = await database.db.approval.findMany({
      where: { promotionId: p.id },
      orderBy: { createdAt: "asc" },
    });
    expect(rows.map((r) => [r.reviewerLogin, r.userId, r.source])).toEqual([
      ["dave-gh", null, "git"],
      ["alice-gh", ALICE.id, "git"],
    ]);
    const read = await reviewPromotion({
      ctx,
      promotionId: p.id,
      principal: BOB,
      decision: "approve",
    });
    expect(read.approvals.standing).toMatchObject({ counted: 2, satisfied: true });
    expect(read.approvals.standing.approvers).toEqual(["dave-gh", BOB.name]);
    expect(read.promotion.state).toBe("approved");

    // Changes requested on GitHub: blocked again on the next poll.
    await reviewOnGitHub(p, "dave-gh", "request_changes", "wait");
    const blocked = await pollPullRequests({ ctx, etags: freshEtags() });
    expect(blocked.moved).toEqual([{ promotionId: p.id, changed: true, state: "pr_open" }]);
  });
});
