import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { publishPolicyStatus, refreshPolicyStatuses } from "@/lib/promotion/policy-status";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { reviewPromotion } from "@/lib/promotion/review-promotion";
import { ALICE, BOB, createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";
import { setPolicies } from "./rollback-support";

describe("gantry/policy on the local provider", () => {
  let w: PromotionWorld;
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 1 });
  });
  afterEach(async () => {
    await w?.close();
  });

  const freeze = `freezes:
  - from: "2000-01-01T00:00:00Z"
    to: "2999-01-01T00:00:00Z"
    reason: Year-end freeze`;

  it("follows approvals, requests for changes and freezes, and shows with the pull request's checks", async () => {
    await setPolicies(w, { staging: "approvals: 1" });
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "staging",
      version: "1.2.0",
      allowNewVersion: true,
      skipOrder: true,
      reason: "new release",
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    const { headCommit } = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    if (!headCommit) throw new Error("no pull request");
    const status = async () =>
      w.db.localCommitStatus.findUniqueOrThrow({
        where: {
          repository_sha_context: {
            repository: "gitops",
            sha: headCommit,
            context: "gantry/policy",
          },
        },
        select: { state: true, description: true, targetUrl: true },
      });

    expect(await publishPolicyStatus({ ctx: w.ctx, promotionId: promotion.id })).toBe("pending");
    expect(await status()).toEqual({
      state: "pending",
      description: "needs 1 more approval",
      targetUrl: `https://gantry.example.com/promotions/${promotion.id}`,
    });
    expect(await w.provider.getChecks(headCommit)).toEqual({
      state: "pending",
      checks: [
        {
          name: "gantry/policy: needs 1 more approval",
          state: "pending",
          url: `https://gantry.example.com/promotions/${promotion.id}`,
        },
      ],
    });

    await reviewPromotion({
      ctx: w.ctx,
      promotionId: promotion.id,
      principal: BOB,
      decision: "approve",
    });
    expect((await status()).state).toBe("success");

    // A freeze begins: no review happens, the minutely refresh turns it to failure.
    await setPolicies(w, { staging: `approvals: 1\n${freeze}` });
    expect(await refreshPolicyStatuses({ ctx: w.ctx })).toEqual({ checked: 1, failed: 0 });
    expect(await status()).toMatchObject({ state: "failure" });
    expect((await status()).description).toContain("Year-end freeze");

    await setPolicies(w, { staging: "approvals: 1" });
    await refreshPolicyStatuses({ ctx: w.ctx });
    expect((await status()).state).toBe("success");

    await reviewPromotion({
      ctx: w.ctx,
      promotionId: promotion.id,
      principal: BOB,
      decision: "request_changes",
      comment: "wrong version",
    });
    expect(await status()).toMatchObject({ state: "pending" });
    expect((await status()).description).toContain("changes requested by Bob Approver");
  });

  it("says success during a freeze for a promotion that broke it with a reason", async () => {
    await setPolicies(w, { staging: freeze });
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: { ...ALICE, breakGlass: true },
      application: "app-0",
      environment: "staging",
      version: "1.2.0",
      allowNewVersion: true,
      skipOrder: true,
      reason: "hotfix",
      breakGlassReason: "payments fail for every customer",
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    expect(await publishPolicyStatus({ ctx: w.ctx, promotionId: promotion.id })).toBe("success");
  });
});
