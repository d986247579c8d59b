import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { POLICY_STATUS_CONTEXT, publishPolicyStatus } from "@/lib/promotion/policy-status";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { reviewPromotion } from "@/lib/promotion/review-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { appFiles, CHART_YAML } from "@/test/catalogue/gitops-fixture";
import { ALICE, applyGitHubEvent, BOB, createPeople, RecordedJobs } from "@/test/promotion/support";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import type { FakeGitHub } from "./fake-github";
import { OWNER, providerFor, REPO, startFake } from "./support";

/**
 * `gantry/policy` on GitHub (the fake, every request and answer checked
 * against GitHub's OpenAPI description): posted on each promotion pull
 * request's head, pending until the policy is met, and a merge made on
 * GitHub while it was not success is recorded as such.
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
      approvals: 1
`;

let fake: FakeGitHub;
let github: GitHubProvider;
let carol: GitHubProvider;
let database: TestDatabase;
let ctx: PromotionContext;
let appCount = 0;

beforeAll(async () => {
  ({ fake } = await startFake());
  const token = `ghp_policy${Date.now()}`;
  fake.addToken(token, "gantry-bot");
  const personal = `ghp_carolgh${Date.now()}`;
  fake.addToken(personal, "carol-gh");
  carol = providerFor(fake, { type: "token", token: personal });
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < 4; i++) {
    Object.assign(files, appFiles(`app-${i}`, "payments", { staging: "1.1.0", prod: "1.0.0" }));
  }
  fake.push({ files, message: "fleet with a prod policy" });
  github = providerFor(fake, { type: "token", token });
  database = await createTestDatabase();
  await createPeople(database.db);
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
  expect(fake.problems).toEqual([]);
});

async function openPromotion() {
  const { promotion } = await requestPromotion({
    ctx,
    principal: ALICE,
    application: `app-${appCount++}`,
    environment: "prod",
    reason: "policy on GitHub",
  });
  await openPromotionPullRequest({ ctx, promotionId: promotion.id });
  await publishPolicyStatus({ ctx, promotionId: promotion.id }); // as the job does after opening
  const row = await database.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
  if (row.prNumber === null || row.headCommit === null) throw new Error("no pull request");
  return { id: row.id, number: row.prNumber, head: row.headCommit };
}

const policyStatusOn = (sha: string) =>
  fake.statuses.get(sha)?.filter((status) => status.context === POLICY_STATUS_CONTEXT) ?? [];

describe("gantry/policy on GitHub (fake)", () => {
  it("is pending while approvals are missing and success once the policy is met", async () => {
    const p = await openPromotion();
    expect(policyStatusOn(p.head)).toEqual([
      {
        context: "gantry/policy",
        state: "pending",
        description: "needs 1 more approval",
        targetUrl: `https://gantry.example.com/promotions/${p.id}`,
      },
    ]);
    await reviewPromotion({ ctx, promotionId: p.id, principal: BOB, decision: "approve" });
    expect(policyStatusOn(p.head)).toMatchObject([{ state: "success" }]);
    const checks = await github.getChecks(p.head);
    expect(checks.checks).toContainEqual({
      name: "gantry/policy",
      state: "success",
      url: `https://gantry.example.com/promotions/${p.id}`,
    });
  });

  it("records a merge made on GitHub while the status was pending, and flags the promotion", async () => {
    const p = await openPromotion();
    const merged = await carol.mergePullRequest({
      number: p.number,
      expectedHeadSha: p.head,
      method: "merge",
      message: "merged in GitHub's UI",
      mergedBy: { name: "carol-gh", email: "carol@example.com", login: "carol-gh" },
    });
    await applyGitHubEvent(ctx, {
      type: "pull_request",
      action: "closed",
      repository: `${OWNER}/${REPO}`,
      pullRequest: {
        number: p.number,
        state: "closed",
        merged: true,
        mergeCommitSha: merged.sha,
        head: "",
        headSha: p.head,
        base: "main",
      },
    });
    const row = await database.db.promotion.findUniqueOrThrow({ where: { id: p.id } });
    expect(row).toMatchObject({ state: "merged", mergedOutsidePolicy: true });
    const event = await database.db.auditEvent.findFirstOrThrow({
      where: { promotionId: p.id, action: "promotion.merged_outside_policy" },
    });
    expect(event.outcome).toBe("failure");
    expect(event.detail).toMatchObject({ policyStatus: "pending", mergeCommit: merged.sha });
  });

  it("does not flag a merge made once the policy was met", async () => {
    const p = await openPromotion();
    await reviewPromotion({ ctx, promotionId: p.id, principal: BOB, decision: "approve" });
    const merged = await carol.mergePullRequest({
      number: p.number,
      expectedHeadSha: p.head,
      method: "merge",
      message: "merged in GitHub's UI after approval",
      mergedBy: { name: "carol-gh", email: "carol@example.com", login: "carol-gh" },
    });
    await applyGitHubEvent(ctx, {
      type: "pull_request",
      action: "closed",
      repository: `${OWNER}/${REPO}`,
      pullRequest: {
        number: p.number,
        state: "closed",
        merged: true,
        mergeCommitSha: merged.sha,
        head: "",
        headSha: p.head,
        base: "main",
      },
    });
    const row = await database.db.promotion.findUniqueOrThrow({ where: { id: p.id } });
    expect(row).toMatchObject({ state: "merged", mergedOutsidePolicy: false });
  });
});
