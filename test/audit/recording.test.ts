import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getPromotionTimeline } from "@/lib/audit/get-promotion-timeline";
import { recordStaleClusters } from "@/lib/audit/record-cluster-staleness";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { ingestReport } from "@/lib/sync/ingest-report";
import { registerClusterToken } from "@/lib/sync/register-cluster-token";
import { revokeClusterToken } from "@/lib/sync/revoke-cluster-token";
import { rotateClusterToken } from "@/lib/sync/rotate-cluster-token";
import type { HealthState, SyncState } from "@/lib/sync-status/report";
import {
  ADA,
  ALICE,
  createPromotionWorld,
  type PromotionWorld,
  VICKY,
} from "@/test/promotion/support";
import { argoItem, mergedPromotion, reportingCluster } from "@/test/sync/support";

describe("what the audit chain records beyond promotions", () => {
  let w: PromotionWorld;
  let sequence = 1;
  // A world per test: clusters that reported in one test would turn stale in another's.
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 3 });
    sequence = 1;
  });
  afterEach(async () => {
    if (w) expect((await verifyAuditChain({ db: w.db, principal: OPERATOR })).ok).toBe(true);
    await w?.close();
  });

  const report = async (
    cluster: string,
    application: string,
    status: { syncState: SyncState; health: HealthState; revision: string | null },
    at: Date,
  ) =>
    ingestReport({
      db: w.db,
      git: w.provider,
      cluster: await reportingCluster(w.db, cluster),
      receivedAt: at,
      report: {
        schemaVersion: 1,
        agent: { version: "test", mode: "agent" },
        kind: "delta",
        sequence: sequence++,
        sentAt: at.toISOString(),
        items: [
          argoItem({
            application,
            environment: cluster.startsWith("staging") ? "staging" : "prod",
            observedAt: at,
            ...status,
          }),
        ],
      },
    });

  it("records cluster token registration, rotation and revocation, never the token", async () => {
    const issued = await registerClusterToken({ db: w.db, cluster: "dev-eu-1" });
    const rotated = await rotateClusterToken({ db: w.db, cluster: "dev-eu-1" });
    await revokeClusterToken({ db: w.db, cluster: "dev-eu-1" });
    const events = await w.db.auditEvent.findMany({
      where: { cluster: "dev-eu-1" },
      orderBy: { sequence: "asc" },
    });
    expect(events.map((event) => event.action)).toEqual([
      "cluster.token_registered",
      "cluster.token_rotated",
      "cluster.token_revoked",
    ]);
    expect(
      events.every((event) => event.targetType === "cluster" && event.actorName === "Gantry"),
    ).toBe(true);
    const stored = JSON.stringify(events.map(({ sequence: _s, ...event }) => event));
    expect(stored).not.toContain(issued.token);
    expect(stored).not.toContain(rotated.token);
    // Revoking a cluster without a token changes nothing, so records nothing.
    await revokeClusterToken({ db: w.db, cluster: "dev-eu-1" });
    expect(await w.db.auditEvent.count({ where: { cluster: "dev-eu-1" } })).toBe(3);
  });

  it("records catalogue imports that succeed, with counts, and that fail, with the reason", async () => {
    const ok = await importCatalogue({
      db: w.db,
      git: w.provider,
      versionPath: "image.tag",
      trigger: "test",
    });
    const succeeded = await w.db.auditEvent.findFirstOrThrow({
      where: { action: "import.succeeded", targetId: ok.importId },
    });
    expect(succeeded.detail).toMatchObject({
      trigger: "test",
      commit: ok.commit,
      appsSeen: 3,
      problems: 0,
    });
    await expect(
      importCatalogue({
        db: w.db,
        git: w.provider,
        versionPath: "image.tag",
        trigger: "test",
        ref: "no-such-branch",
      }),
    ).rejects.toThrow();
    const failed = await w.db.auditEvent.findFirstOrThrow({
      where: { action: "import.failed" },
      orderBy: { sequence: "desc" },
    });
    expect(failed).toMatchObject({
      outcome: "failure",
      detail: expect.objectContaining({ ref: "no-such-branch" }),
    });
    const run = await w.db.catalogImport.findUniqueOrThrow({
      where: { id: failed.targetId ?? "" },
    });
    expect(run.status).toBe("failed");
  });

  it("records cluster.stale once per silence, and cluster.recovered when reports resume", async () => {
    const now = Date.now();
    await report(
      "staging-eu-1",
      "app-0",
      { syncState: "Synced", health: "Healthy", revision: "a".repeat(40) },
      new Date(now - 20 * 60_000),
    );
    expect(await recordStaleClusters({ db: w.db, staleAfterSeconds: 300 })).toEqual([
      "staging-eu-1",
    ]);
    expect(await recordStaleClusters({ db: w.db, staleAfterSeconds: 300 })).toEqual([]);
    await report(
      "staging-eu-1",
      "app-0",
      { syncState: "Synced", health: "Healthy", revision: "a".repeat(40) },
      new Date(now - 60_000),
    );
    // A report within the bound is no recovery.
    await report(
      "staging-eu-1",
      "app-0",
      { syncState: "Synced", health: "Healthy", revision: "b".repeat(40) },
      // Real time: after the stale event, as a report that ends a silence always is.
      new Date(),
    );
    expect(await recordStaleClusters({ db: w.db, staleAfterSeconds: 300 })).toEqual([]);
    const events = await w.db.auditEvent.findMany({
      where: { cluster: "staging-eu-1" },
      orderBy: { sequence: "asc" },
    });
    expect(events.map((event) => event.action)).toEqual(["cluster.stale", "cluster.recovered"]);
    expect(events[0]?.detail).toMatchObject({ staleAfterSeconds: 300 });
    expect(events[1]?.detail).toMatchObject({ silentForSeconds: 19 * 60 });
    // The next silence is a new period: recorded again.
    expect(
      await recordStaleClusters({
        db: w.db,
        staleAfterSeconds: 300,
        now: new Date(now + 10 * 60_000),
      }),
    ).toEqual(["staging-eu-1"]);
  });

  it("joins a promotion's timeline: PR opened → merged → each cluster synced and healthy → deployed", async () => {
    const { id, mergeCommit } = await mergedPromotion(w.ctx, "app-1");
    // Moved 3 minutes back, so the clusters' reports below are in the past, before `deployed`.
    const t0 = Date.now() - 3 * 60_000;
    await w.db.promotion.update({
      where: { id },
      data: {
        createdAt: new Date(t0 - 120_000),
        prOpenedAt: new Date(t0 - 60_000),
        mergedAt: new Date(t0),
      },
    });
    await report(
      "prod-eu-1",
      "app-1",
      { syncState: "Synced", health: "Progressing", revision: mergeCommit },
      new Date(t0 + 30_000),
    );
    await report(
      "prod-eu-1",
      "app-1",
      { syncState: "Synced", health: "Healthy", revision: mergeCommit },
      new Date(t0 + 90_000),
    );
    const midway = await getPromotionTimeline({ db: w.db, principal: VICKY, promotionId: id });
    expect(midway.waitingFor).toEqual(["prod-us-1"]);
    await report(
      "prod-us-1",
      "app-1",
      { syncState: "Synced", health: "Healthy", revision: mergeCommit },
      new Date(t0 + 150_000),
    );
    const timeline = await getPromotionTimeline({ db: w.db, principal: ADA, promotionId: id });
    expect(timeline.steps.map((step) => step.label)).toEqual([
      "Requested 1.1.0 for prod",
      expect.stringMatching(/^Pull request #\d+ opened$/),
      `Merged as ${mergeCommit.slice(0, 12)}`,
      "Synced on prod-eu-1",
      "Healthy on prod-eu-1",
      "Synced on prod-us-1",
      "Healthy on prod-us-1",
      "Deployed to prod",
    ]);
    const seconds = Object.fromEntries(
      timeline.steps.map((step) => [step.label, step.sincePreviousSeconds]),
    );
    expect(seconds["Synced on prod-eu-1"]).toBe(30);
    expect(seconds["Healthy on prod-eu-1"]).toBe(60);
    expect(timeline.steps[0]?.who).toBe(ALICE.name);
    expect(timeline.waitingFor).toEqual([]);
    expect(timeline.leadTimeSeconds).toBeGreaterThan(0);
    await expect(
      getPromotionTimeline({ db: w.db, principal: null, promotionId: id }),
    ).rejects.toThrow(/sign in/);
  });
});
