import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import type { PromotionState } from "@/lib/generated/prisma/client";
import { commitOf } from "@/lib/sync/correlate-promotions";
import { ingestReport } from "@/lib/sync/ingest-report";
import type { HealthState, SyncState } from "@/lib/sync-status/report";
import { createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";
import { argoItem, mergedPromotion, reportingCluster } from "./support";

/**
 * Promotions followed from `merged` to `deployed` by what the prod clusters
 * (prod-eu-1, prod-us-1) report, through the same ingest function the
 * endpoint calls, against a real repository and Postgres.
 */
describe("correlating status reports with merged promotions", () => {
  let w: PromotionWorld;
  let sequence = 0;
  let clock = Date.now();

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 6 });
  });
  afterAll(async () => {
    await w?.close();
  });

  async function report(
    cluster: string,
    application: string,
    status: { syncState: SyncState; health: HealthState; revision: string; message?: string },
  ) {
    sequence += 1;
    clock += 1_000;
    return ingestReport({
      db: w.db,
      git: w.provider,
      cluster: await reportingCluster(w.db, cluster),
      report: {
        schemaVersion: 1,
        agent: { version: "test", mode: "agent" },
        kind: "delta",
        sequence,
        sentAt: new Date(clock).toISOString(),
        items: [argoItem({ application, observedAt: new Date(clock), ...status })],
      },
    });
  }

  const promotion = (id: string) => w.db.promotion.findUniqueOrThrow({ where: { id } });
  const events = (id: string) => listPromotionEvents({ db: w.db, promotionId: id });
  const state = async (id: string): Promise<PromotionState> => (await promotion(id)).state;

  it("goes merged → syncing → deployed as the clusters converge, with the lead time", async () => {
    const merged = await mergedPromotion(w.ctx, "app-0");
    expect(await state(merged.id)).toBe("merged");

    await report("prod-eu-1", "app-0", {
      syncState: "OutOfSync",
      health: "Progressing",
      revision: merged.baseCommit,
    });
    const syncing = await promotion(merged.id);
    expect(syncing.state).toBe("syncing");
    expect(syncing.syncingAt).toBeInstanceOf(Date);
    expect((await events(merged.id)).at(-1)).toMatchObject({
      fromState: "merged",
      toState: "syncing",
      actor: { kind: "system", id: null, name: "Gantry" },
    });

    await report("prod-eu-1", "app-0", {
      syncState: "Synced",
      health: "Healthy",
      revision: merged.mergeCommit,
    });
    await report("prod-us-1", "app-0", {
      syncState: "OutOfSync",
      health: "Progressing",
      revision: merged.baseCommit,
    });
    // One cluster is done, the other is not: still syncing.
    expect(await state(merged.id)).toBe("syncing");

    await report("prod-us-1", "app-0", {
      syncState: "Synced",
      health: "Healthy",
      revision: merged.mergeCommit,
    });
    const deployed = await promotion(merged.id);
    expect(deployed.state).toBe("deployed");
    expect(deployed.deployedAt).toBeInstanceOf(Date);
    expect(deployed.prOpenedAt).toBeInstanceOf(Date);
    const expected = Math.round(
      ((deployed.deployedAt?.getTime() ?? 0) - (deployed.prOpenedAt?.getTime() ?? 0)) / 1000,
    );
    expect(deployed.leadTimeSeconds).toBe(expected);
    const last = (await events(merged.id)).at(-1);
    expect(last).toMatchObject({ fromState: "syncing", toState: "deployed" });
    expect(last?.detail).toContain("prod-eu-1 since");
    expect(last?.detail).toContain("prod-us-1 since");

    // A replayed report, and a new one, change nothing any more.
    const before = (await events(merged.id)).length;
    await report("prod-us-1", "app-0", {
      syncState: "Synced",
      health: "Healthy",
      revision: merged.mergeCommit,
    });
    await report("prod-eu-1", "app-0", {
      syncState: "OutOfSync",
      health: "Progressing",
      revision: merged.mergeCommit,
    });
    expect(await state(merged.id)).toBe("deployed");
    expect(await events(merged.id)).toHaveLength(before);
  });

  it("counts a later commit of the default branch (a descendant of the merge commit)", async () => {
    const merged = await mergedPromotion(w.ctx, "app-1");
    const later = await w.provider.commitFiles({
      branch: "main",
      parent: merged.mergeCommit,
      message: "an unrelated change",
      author: { name: "Carol", email: "carol@example.com" },
      files: [{ path: "README.md", content: "later\n" }],
    });
    await report("prod-eu-1", "app-1", {
      syncState: "Synced",
      health: "Healthy",
      revision: later,
    });
    expect(await state(merged.id)).toBe("syncing");
    await report("prod-us-1", "app-1", {
      syncState: "Synced",
      health: "Healthy",
      revision: later,
    });
    expect(await state(merged.id)).toBe("deployed");
  });

  it("does not count an older revision synced and healthy", async () => {
    const merged = await mergedPromotion(w.ctx, "app-2");
    for (const cluster of ["prod-eu-1", "prod-us-1"]) {
      await report(cluster, "app-2", {
        syncState: "Synced",
        health: "Healthy",
        revision: merged.baseCommit,
      });
    }
    expect(await state(merged.id)).toBe("syncing");
  });

  it("keeps a promotion Degraded at the merge commit syncing, and records the cluster's words once", async () => {
    const merged = await mergedPromotion(w.ctx, "app-3");
    await report("prod-eu-1", "app-3", {
      syncState: "Synced",
      health: "Healthy",
      revision: merged.mergeCommit,
    });
    const degraded = {
      syncState: "Synced" as const,
      health: "Degraded" as const,
      revision: merged.mergeCommit,
      message: "Back-off pulling image",
    };
    await report("prod-us-1", "app-3", degraded);
    await report("prod-us-1", "app-3", { ...degraded, message: "Back-off pulling image" });
    expect(await state(merged.id)).toBe("syncing");
    const notes = (await events(merged.id)).filter(
      (event) => event.toState === "syncing" && event.detail?.includes("Degraded"),
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]?.detail).toContain("cluster prod-us-1 reports Degraded");
    expect(notes[0]?.detail).toContain("Back-off pulling image");
  });

  it("does not wait for a cluster registered in the portal whose agent token was revoked", async () => {
    const prod = await w.db.environment.findUniqueOrThrow({ where: { name: "prod" } });
    // What /clusters leaves after an admin revokes a registered cluster's token: it can never report.
    const revoked = await w.db.cluster.create({
      data: { name: "prod-lab-1", environmentId: prod.id, registeredInPortal: true },
    });
    try {
      const merged = await mergedPromotion(w.ctx, "app-5");
      for (const cluster of ["prod-eu-1", "prod-us-1"]) {
        await report(cluster, "app-5", {
          syncState: "Synced",
          health: "Healthy",
          revision: merged.mergeCommit,
        });
      }
      expect(await state(merged.id)).toBe("deployed");
    } finally {
      await w.db.cluster.update({ where: { id: revoked.id }, data: { archivedAt: new Date() } });
    }
  });

  it("ignores reports of other environments", async () => {
    const merged = await mergedPromotion(w.ctx, "app-4");
    sequence += 1;
    await ingestReport({
      db: w.db,
      git: w.provider,
      cluster: await reportingCluster(w.db, "staging-eu-1"),
      report: {
        schemaVersion: 1,
        agent: { version: "test", mode: "agent" },
        kind: "delta",
        sequence,
        sentAt: new Date(clock).toISOString(),
        items: [
          argoItem({
            application: "app-4",
            environment: "staging",
            syncState: "Synced",
            health: "Healthy",
            revision: merged.mergeCommit,
            observedAt: new Date(clock),
          }),
        ],
      },
    });
    expect(await state(merged.id)).toBe("merged");
  });

  it("reads the commit out of revisions written as Flux writes them", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    expect(commitOf(sha)).toBe(sha);
    expect(commitOf(`main@sha1:${sha}`)).toBe(sha);
    expect(commitOf("1.4.2")).toBeNull();
    expect(commitOf(null)).toBeNull();
  });
});
