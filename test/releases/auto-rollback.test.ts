import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openAutomaticRollbacks } from "@/lib/releases/auto-rollback";
import { isVersionHeld } from "@/lib/releases/holds";
import { createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";
import { deliver, setPolicies } from "./rollback-support";

describe("automatic rollback", () => {
  let w: PromotionWorld;
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 2 });
  });
  afterEach(async () => {
    await w?.close();
  });

  const rollbacks = () =>
    w.db.promotion.findMany({
      where: { kind: "rollback" },
      select: {
        id: true,
        version: true,
        previousVersion: true,
        autoRollbackFor: true,
        rollsBackId: true,
        requestedByName: true,
      },
    });

  it("opens exactly one rollback for a promotion that failed after its merge, as the rule", async () => {
    await setPolicies(w, { dev: "autoRollback: true" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0" });
    const failed = await deliver(w, {
      app: "app-0",
      environment: "dev",
      version: "1.3.0",
      outcome: "failed",
    });

    // Two runs at once (two job runners), then a third: one rollback in all.
    const [first, second] = await Promise.all([
      openAutomaticRollbacks({ ctx: w.ctx }),
      openAutomaticRollbacks({ ctx: w.ctx }),
    ]);
    const third = await openAutomaticRollbacks({ ctx: w.ctx });
    expect(first.opened.length + second.opened.length + third.opened.length).toBe(1);

    const opened = await rollbacks();
    expect(opened).toEqual([
      {
        id: expect.any(String),
        version: "1.2.0",
        previousVersion: "1.3.0",
        autoRollbackFor: failed,
        rollsBackId: failed,
        requestedByName: "Automatic rollback rule (dev)",
      },
    ]);
    const planned = await w.db.auditEvent.findFirstOrThrow({
      where: { promotionId: opened[0]?.id, action: "promotion.planned" },
    });
    expect(planned).toMatchObject({
      actorKind: "system",
      actorId: "rule:auto-rollback:dev",
    });
    expect(
      await isVersionHeld({
        db: w.db,
        application: "app-0",
        environment: "staging",
        version: "1.3.0",
      }),
    ).toBe(true);
  });

  it("leaves environments without autoRollback to people", async () => {
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.3.0", outcome: "failed" });
    const outcome = await openAutomaticRollbacks({ ctx: w.ctx });
    expect(outcome.opened).toEqual([]);
    expect(await rollbacks()).toEqual([]);
  });

  it("treats a promotion not healthy within the window as failed, and only then", async () => {
    await setPolicies(w, { dev: "autoRollback: true\nrollback:\n  healthyWithin: 10m" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0" });
    const slow = await deliver(w, {
      app: "app-0",
      environment: "dev",
      version: "1.3.0",
      outcome: "merged",
    });
    const { mergedAt } = await w.db.promotion.findUniqueOrThrow({ where: { id: slow } });
    if (!mergedAt) throw new Error("expected a merge");
    const at = (minutes: number) => new Date(mergedAt.getTime() + minutes * 60_000);

    const early = await openAutomaticRollbacks({ ctx: w.ctx, now: at(9) });
    expect(early).toEqual({ opened: [], skipped: [], timedOut: [] });
    expect((await w.db.promotion.findUniqueOrThrow({ where: { id: slow } })).state).toBe("merged");

    const late = await openAutomaticRollbacks({ ctx: w.ctx, now: at(11) });
    expect(late.timedOut).toEqual([slow]);
    expect(late.opened).toEqual([{ failedPromotionId: slow, rollbackId: expect.any(String) }]);
    const row = await w.db.promotion.findUniqueOrThrow({ where: { id: slow } });
    expect(row.state).toBe("failed");
    expect(row.failureReason).toContain("within 10 minutes");
  });

  it("does not roll back a failure a newer promotion already replaced", async () => {
    await setPolicies(w, { dev: "autoRollback: true" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.2.0", outcome: "failed" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.3.0" });
    expect((await openAutomaticRollbacks({ ctx: w.ctx })).opened).toEqual([]);
  });
});
