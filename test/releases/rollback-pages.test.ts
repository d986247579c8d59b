import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getRollbackPage } from "@/lib/releases/get-rollback-page";
import { rollBack } from "@/lib/releases/roll-back";
import { getApplicationPage } from "@/lib/sync/get-application-page";
import {
  ADA,
  ALICE,
  BOB,
  createPromotionWorld,
  type PromotionWorld,
  VICKY,
} from "@/test/promotion/support";
import { deliver, setPolicies } from "./rollback-support";

describe("rollback pages", () => {
  let w: PromotionWorld;
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 1 });
  });
  afterEach(async () => {
    await w?.close();
  });

  it("the proposal page shows the version, the diff, the policy and a freeze; or why there is nothing to roll back to", async () => {
    const empty = await getRollbackPage({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "staging",
    });
    expect(empty.proposal).toBeNull();
    expect(empty.refusal).toContain("no earlier version of app-0 was deployed in staging");

    await deliver(w, { app: "app-0", environment: "staging", version: "1.2.0" });
    await deliver(w, { app: "app-0", environment: "staging", version: "1.3.0" });
    await setPolicies(w, {
      staging: `rollback:\n  approvals: 2\nfreezes:\n  - from: "2000-01-01T00:00:00Z"\n    to: "2999-01-01T00:00:00Z"\n    reason: Year-end freeze`,
    });
    const view = await getRollbackPage({
      ctx: w.ctx,
      principal: VICKY,
      application: "app-0",
      environment: "staging",
    });
    expect(view.proposal).toMatchObject({
      currentVersion: "1.3.0",
      version: "1.2.0",
      valuesPath: "apps/app-0/envs/staging/values.yaml",
    });
    expect(view.proposal?.diff).toContain("1.2.0");
    expect(view).toMatchObject({ approvals: 2, allowedDuringFreeze: true, refusal: null });
    expect(view.freezeMessage).toContain("Year-end freeze");
    expect(view.requestRefusal).toContain("team payments");
  });

  it("the application page lists held versions, releasable by approvers of the environment", async () => {
    await deliver(w, { app: "app-0", environment: "staging", version: "1.2.0" });
    await deliver(w, { app: "app-0", environment: "staging", version: "1.3.0" });
    await rollBack({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "staging",
      reason: "errors",
    });
    const page = (principal: typeof ALICE) =>
      getApplicationPage({ db: w.db, git: w.provider, principal, slug: "app-0" });
    expect((await page(BOB)).holds).toMatchObject([
      { environment: "staging", version: "1.3.0", mayRelease: true },
    ]);
    expect((await page(ADA)).holds[0]?.mayRelease).toBe(true);
    expect((await page(ALICE)).holds[0]?.mayRelease).toBe(false);
  });
});
