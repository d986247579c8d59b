import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { promotionApprovals } from "@/lib/promotion/approval-standing";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { reviewPromotion } from "@/lib/promotion/review-promotion";
import { findActiveHold, isVersionHeld, listActiveHolds } from "@/lib/releases/holds";
import { proposeRollback } from "@/lib/releases/propose-rollback";
import { releaseHold } from "@/lib/releases/release-hold";
import { rollBack } from "@/lib/releases/roll-back";
import {
  ADA,
  ALICE,
  createPromotionWorld,
  type PromotionWorld,
  VICKY,
} from "@/test/promotion/support";
import { deliver, setPolicies } from "./rollback-support";

async function rejection(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("rollback", () => {
  let w: PromotionWorld;
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 2 });
  });
  afterEach(async () => {
    await w?.close();
  });

  const held = (environment: string, version: string) =>
    isVersionHeld({ db: w.db, application: "app-0", environment, version });

  it("proposes the last version deployed and healthy there, not one that failed since", async () => {
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.5", outcome: "failed" });
    const bad = await deliver(w, { app: "app-0", environment: "dev", version: "1.3.0" });

    const proposal = await proposeRollback({
      db: w.db,
      git: w.provider,
      versionPath: "image.tag",
      application: "app-0",
      environment: "dev",
    });
    expect(proposal).toMatchObject({ currentVersion: "1.3.0", version: "1.2.0", rollsBackId: bad });
    expect(proposal.basis).toContain("deployed and healthy");
    expect(proposal.plan.diff).toMatch(/^-.*tag: "?1\.3\.0/m);
    expect(proposal.plan.diff).toMatch(/^\+.*tag: "?1\.2\.0/m);
  });

  it("opens a rollback promotion and holds the version rolled back from there and later", async () => {
    await deliver(w, { app: "app-0", environment: "staging", version: "1.2.0" });
    const bad = await deliver(w, { app: "app-0", environment: "staging", version: "1.3.0" });

    const { promotion, proposal } = await rollBack({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "staging",
      version: "1.2.0",
      reason: "1.3.0 drops every checkout request",
    });
    expect(promotion).toMatchObject({
      kind: "rollback",
      state: "planned",
      version: "1.2.0",
      previousVersion: "1.3.0",
      rollsBackId: bad,
    });
    expect(proposal.version).toBe("1.2.0");
    // The edits the pull request job commits through, as for any promotion.
    const stored = await w.db.promotion.findUniqueOrThrow({
      where: { id: promotion.id },
      select: { locators: true },
    });
    expect(stored.locators).toMatchObject([
      {
        version: "1.2.0",
        locator: { kind: "yaml", file: "apps/app-0/envs/staging/values.yaml", path: "image.tag" },
      },
    ]);
    expect(w.jobs.enqueued).toContain(promotion.id);
    expect(await held("staging", "1.3.0")).toBe(true);
    expect(await held("prod", "1.3.0")).toBe(true);
    expect(await held("dev", "1.3.0")).toBe(false);
    expect(await held("prod", "1.2.0")).toBe(false);
    const holds = await listActiveHolds({ db: w.db, application: "app-0" });
    expect(holds).toMatchObject([
      { environment: "staging", version: "1.3.0", rollbackPromotionId: promotion.id },
    ]);
    const events = await w.db.auditEvent.findMany({
      where: { application: "app-0", action: { in: ["release.held", "promotion.planned"] } },
      orderBy: { sequence: "asc" },
      select: { action: true, promotionId: true, actorName: true },
    });
    expect(events.slice(-2)).toEqual([
      { action: "promotion.planned", promotionId: promotion.id, actorName: ALICE.name },
      { action: "release.held", promotionId: promotion.id, actorName: ALICE.name },
    ]);
  });

  it("refuses when the proposal changed since the person looked", async () => {
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.3.0" });
    const error = await rejection(
      rollBack({
        ctx: w.ctx,
        principal: ALICE,
        application: "app-0",
        environment: "dev",
        version: "1.1.9",
        reason: "bad",
      }),
    );
    expect(error.code).toBe("conflict");
    expect(error.message).toContain("now goes to 1.2.0");
    expect(await w.db.promotion.count({ where: { kind: "rollback" } })).toBe(0);
  });

  it("needs one approval by default, and its merge rolls the bad promotion back", async () => {
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0" });
    const bad = await deliver(w, { app: "app-0", environment: "dev", version: "1.3.0" });
    const { promotion } = await rollBack({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "dev",
      reason: "errors",
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    const { standing } = await promotionApprovals({ db: w.db, promotionId: promotion.id });
    // dev promotions need no approval; its rollbacks need the rollback policy's one.
    expect(standing).toMatchObject({ required: 1, satisfied: false });
    const refused = await rejection(
      mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: ALICE }),
    );
    expect(refused.message).toContain("needs 1 more approval");

    await reviewPromotion({
      ctx: w.ctx,
      promotionId: promotion.id,
      principal: ADA,
      decision: "approve",
    });
    await mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: ALICE });
    const rows = await w.db.promotion.findMany({
      where: { id: { in: [promotion.id, bad] } },
      select: { id: true, state: true },
    });
    expect(Object.fromEntries(rows.map((r) => [r.id, r.state]))).toEqual({
      [promotion.id]: "merged",
      [bad]: "rolled_back",
    });
    // The merge queues the catalogue's import; the test runs it.
    await w.importNow();
    const target = await w.db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "app-0" }, environment: { name: "dev" } },
    });
    expect(target.desiredVersion).toBe("1.2.0");
  });

  describe("during a freeze", () => {
    const freeze = `freezes:
  - from: "2000-01-01T00:00:00Z"
    to: "2999-01-01T00:00:00Z"
    reason: Year-end freeze`;

    beforeEach(async () => {
      await deliver(w, { app: "app-0", environment: "staging", version: "1.2.0" });
      await deliver(w, { app: "app-0", environment: "staging", version: "1.3.0" });
    });

    it("refuses without a written reason, saying that one lets it through", async () => {
      await setPolicies(w, { staging: freeze });
      const error = await rejection(
        rollBack({
          ctx: w.ctx,
          principal: ALICE,
          application: "app-0",
          environment: "staging",
          reason: "errors",
        }),
      );
      expect(error.code).toBe("conflict");
      expect(error.message).toContain("Year-end freeze");
      expect(error.message).toContain("a rollback may go ahead if you say why");
      expect(error.details?.field).toBe("freezeReason");
      expect(await w.db.promotion.count({ where: { kind: "rollback" } })).toBe(0);
      expect(await held("staging", "1.3.0")).toBe(false);
    });

    it("goes ahead with a reason, kept on the promotion and audited as a rollback during a freeze", async () => {
      await setPolicies(w, { staging: freeze });
      const { promotion } = await rollBack({
        ctx: w.ctx,
        principal: ALICE,
        application: "app-0",
        environment: "staging",
        reason: "errors",
        freezeReason: "checkout is down for every customer",
      });
      expect(promotion.breakGlassReason).toBe("checkout is down for every customer");
      const event = await w.db.auditEvent.findFirstOrThrow({
        where: { action: "promotion.rollback_during_freeze", promotionId: promotion.id },
      });
      expect(event.actorName).toBe(ALICE.name);
      expect(event.detail).toMatchObject({
        reason: "checkout is down for every customer",
        freeze: "Year-end freeze",
        from: "1.3.0",
        to: "1.2.0",
      });
    });

    it("is refused, reason or not, where the policy refuses rollbacks during a freeze", async () => {
      await setPolicies(w, { staging: `${freeze}\nrollback:\n  duringFreeze: refused` });
      const error = await rejection(
        rollBack({
          ctx: w.ctx,
          principal: ALICE,
          application: "app-0",
          environment: "staging",
          reason: "errors",
          freezeReason: "checkout is down for every customer",
        }),
      );
      expect(error.message).toContain("refuses rollbacks during a freeze");
    });
  });

  describe("holds", () => {
    it("keep a rule from promoting the version until a person releases them, audited", async () => {
      await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0" });
      await deliver(w, { app: "app-0", environment: "dev", version: "1.3.0" });
      await rollBack({
        ctx: w.ctx,
        principal: ALICE,
        application: "app-0",
        environment: "dev",
        reason: "errors",
      });
      // What a progression rule asks before it opens a promotion of 1.3.0 to staging.
      const hold = await findActiveHold({
        db: w.db,
        application: "app-0",
        environment: "staging",
        version: "1.3.0",
      });
      expect(hold).toMatchObject({ environment: "dev", version: "1.3.0", heldBy: ALICE.name });
      if (!hold) throw new Error("expected a hold");

      const denied = await rejection(
        releaseHold({ db: w.db, principal: VICKY, holdId: hold.id, reason: "fixed upstream" }),
      );
      expect(denied.code).toBe("forbidden");
      const empty = await rejection(
        releaseHold({ db: w.db, principal: ADA, holdId: hold.id, reason: "  " }),
      );
      expect(empty.code).toBe("bad_request");
      expect(empty.message).toContain("reason");
      expect(await held("staging", "1.3.0")).toBe(true);

      await releaseHold({
        db: w.db,
        principal: ADA,
        holdId: hold.id,
        reason: "the bug was in the config",
      });
      expect(await held("staging", "1.3.0")).toBe(false);
      expect(await held("dev", "1.3.0")).toBe(false);
      const event = await w.db.auditEvent.findFirstOrThrow({
        where: { action: "release.hold_released" },
      });
      expect(event).toMatchObject({
        actorName: ADA.name,
        application: "app-0",
        environment: "dev",
      });
      expect(event.detail).toMatchObject({ version: "1.3.0", reason: "the bug was in the config" });

      const again = await rejection(
        releaseHold({ db: w.db, principal: ADA, holdId: hold.id, reason: "again" }),
      );
      expect(again.code).toBe("conflict");
    });
  });
});
