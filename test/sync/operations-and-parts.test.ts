import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { retryPromotion } from "@/lib/promotion/retry-promotion";
import { ingestReport } from "@/lib/sync/ingest-report";
import {
  SNAPSHOT_PARTS_WITHIN_SECONDS,
  type StatusItem,
  type SyncOperation,
  type SyncReport,
} from "@/lib/sync-status/report";
import { ALICE, createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";
import { argoItem, mergedPromotion, reportingCluster } from "./support";

/**
 * Through the ingest function the endpoint calls, on a real Postgres and a
 * real repository: failed sync operations fail the promotion they concern
 * (and only that one), and multi-part snapshots mark objects Missing only
 * when every part has arrived in time.
 */
describe("failed sync operations and multi-part snapshots", () => {
  let w: PromotionWorld;
  let sequence = 0;
  let clock = Date.now();

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 4 });
  });
  afterAll(async () => {
    await w?.close();
  });

  function envelope(kind: SyncReport["kind"], items: StatusItem[]): SyncReport {
    sequence += 1;
    clock += 1_000;
    return {
      schemaVersion: 1,
      agent: { version: "test", mode: "agent" },
      kind,
      sequence,
      sentAt: new Date(clock).toISOString(),
      items,
    };
  }

  async function ingest(cluster: string, report: SyncReport, receivedAt?: Date) {
    return ingestReport({
      db: w.db,
      git: w.provider,
      cluster: await reportingCluster(w.db, cluster),
      report,
      ...(receivedAt ? { receivedAt } : {}),
    });
  }

  function failing(application: string, revision: string, operation: SyncOperation): StatusItem {
    return {
      ...argoItem({
        application,
        syncState: "OutOfSync",
        health: "Degraded",
        revision,
        observedAt: new Date(clock + 1),
        message: `sync operation ${operation.phase}: ${operation.message ?? ""}`,
      }),
      operation,
    };
  }

  describe("a failed sync operation", () => {
    it("for an older revision says nothing about the promotion; for the merge commit it fails it with the message", async () => {
      const merged = await mergedPromotion(w.ctx, "app-0");
      await ingest(
        "prod-eu-1",
        envelope("delta", [
          failing("app-0", merged.baseCommit, {
            phase: "Failed",
            message: "an old failure",
            revision: merged.baseCommit,
          }),
        ]),
      );
      const row = await w.db.syncStatus.findFirstOrThrow({
        where: { application: { slug: "app-0" }, cluster: { name: "prod-eu-1" } },
      });
      expect(row).toMatchObject({
        operationPhase: "Failed",
        operationMessage: "an old failure",
        operationRevision: merged.baseCommit,
      });
      expect((await w.db.promotion.findUniqueOrThrow({ where: { id: merged.id } })).state).toBe(
        "syncing",
      );

      const message = 'one or more objects failed to apply: Deployment "app-0" is invalid';
      await ingest(
        "prod-eu-1",
        envelope("delta", [
          failing("app-0", merged.baseCommit, {
            phase: "Failed",
            message,
            revision: merged.mergeCommit,
          }),
        ]),
      );
      const failed = await w.db.promotion.findUniqueOrThrow({ where: { id: merged.id } });
      expect(failed.state).toBe("failed");
      expect(failed.failedAt).toBeInstanceOf(Date);
      expect(failed.failureReason).toContain("cluster prod-eu-1 failed to sync");
      expect(failed.failureReason).toContain(message);
      const last = (await listPromotionEvents({ db: w.db, promotionId: merged.id })).at(-1);
      expect(last).toMatchObject({ toState: "failed", actor: { name: "Gantry" } });
      // Already in Git: a retry cannot help, and is refused.
      const retried = await retryPromotion({
        ctx: w.ctx,
        promotionId: merged.id,
        principal: ALICE,
      }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(retried).toMatchObject({ code: "conflict" });
      expect((await w.db.promotion.findUniqueOrThrow({ where: { id: merged.id } })).state).toBe(
        "failed",
      );
      // A history row records the failure.
      const history = await w.db.syncStatusChange.count({ where: { syncStatusId: row.id } });
      expect(history).toBeGreaterThanOrEqual(1);
    });

    it("a Flux HelmRelease-style Error at a descendant of the merge commit fails it too", async () => {
      const merged = await mergedPromotion(w.ctx, "app-1");
      const later = await w.provider.commitFiles({
        branch: "main",
        parent: merged.mergeCommit,
        message: "an unrelated change after the merge",
        author: { name: "Carol", email: "carol@example.com" },
        files: [{ path: "README-later.md", content: "later\n" }],
      });
      await ingest(
        "prod-us-1",
        envelope("delta", [
          failing("app-1", merged.baseCommit, {
            phase: "Error",
            message: "ReconciliationFailed: kustomize build failed",
            revision: later,
          }),
        ]),
      );
      const failed = await w.db.promotion.findUniqueOrThrow({ where: { id: merged.id } });
      expect(failed.state).toBe("failed");
      expect(failed.failureReason).toContain("ReconciliationFailed: kustomize build failed");
    });
  });

  describe("a snapshot in parts", () => {
    const COUNT = 12_000;
    const objects = (count: number, skip: ReadonlySet<number> = new Set()): StatusItem[] => {
      const items: StatusItem[] = [];
      for (let n = 0; n < count; n++) {
        if (skip.has(n)) continue;
        items.push({
          application: "app-3",
          environment: "prod",
          source: { kind: "deployment", namespace: "parts", name: `obj-${n}` },
          syncState: "Synced",
          health: "Healthy",
          syncedRevision: null,
          observedAt: new Date(clock).toISOString(),
        });
      }
      return items;
    };
    const inParts = (items: StatusItem[], parts: number, snapshotId: string): SyncReport[] => {
      const size = Math.ceil(items.length / parts);
      return Array.from({ length: parts }, (_, index) => ({
        ...envelope("snapshot", items.slice(index * size, (index + 1) * size)),
        snapshotPart: { snapshotId, part: index + 1, parts },
      }));
    };
    const missing = () =>
      w.db.syncStatus.count({
        where: { cluster: { name: "prod-us-1" }, namespace: "parts", deletedAt: { not: null } },
      });
    const present = () =>
      w.db.syncStatus.count({
        where: { cluster: { name: "prod-us-1" }, namespace: "parts", deletedAt: null },
      });

    it("12,000 objects over 3 parts: stored, and absence judged only after the last part", async () => {
      const first = inParts(objects(COUNT), 3, "first");
      const results = [];
      for (const part of first) results.push(await ingest("prod-us-1", part));
      expect(results.map((r) => r.snapshotPart?.outcome)).toEqual([
        "waiting",
        "waiting",
        "complete",
      ]);
      expect(await present()).toBe(COUNT);
      expect(await missing()).toBe(0);

      // The next snapshot lacks 10 objects (deleted in the cluster).
      const gone = new Set([5, 4_999, 5_000, 7_777, 8_001, 9_000, 10_000, 11_000, 11_998, 11_999]);
      const second = inParts(objects(COUNT, gone), 3, "second");
      await ingest("prod-us-1", second[0] as SyncReport);
      await ingest("prod-us-1", second[1] as SyncReport);
      expect(await missing()).toBe(0);
      const last = await ingest("prod-us-1", second[2] as SyncReport);
      expect(last).toMatchObject({ missing: gone.size, snapshotPart: { outcome: "complete" } });
      expect(await missing()).toBe(gone.size);
      expect(await w.db.syncSnapshotPart.count()).toBe(0);
    });

    it("a part that never arrives marks nothing Missing; a newer snapshot discards the incomplete one", async () => {
      const before = await missing();
      const few = inParts(objects(COUNT).slice(200, 300), 3, "incomplete");
      await ingest("prod-us-1", few[0] as SyncReport);
      await ingest("prod-us-1", few[2] as SyncReport); // part 2 is lost
      expect(await missing()).toBe(before);
      expect(await w.db.syncSnapshotPart.count({ where: { snapshotId: "incomplete" } })).toBe(2);

      // A new snapshot begins: the incomplete one is dropped, and it too lacks a part.
      const next = inParts(objects(COUNT).slice(200, 300), 2, "newer");
      const result = await ingest("prod-us-1", next[1] as SyncReport);
      expect(result.snapshotPart?.outcome).toBe("waiting");
      expect(await w.db.syncSnapshotPart.count({ where: { snapshotId: "incomplete" } })).toBe(0);
      expect(await missing()).toBe(before);
    });

    it("parts that take longer than the bound are discarded: nothing marked", async () => {
      const before = await missing();
      const late = inParts(objects(COUNT).slice(300, 350), 2, "late");
      const t0 = new Date();
      await ingest("prod-us-1", late[0] as SyncReport, t0);
      const after = new Date(t0.getTime() + (SNAPSHOT_PARTS_WITHIN_SECONDS + 1) * 1000);
      const result = await ingest("prod-us-1", late[1] as SyncReport, after);
      expect(result.snapshotPart?.outcome).not.toBe("complete");
      expect(await missing()).toBe(before);
    });
  });
});
