import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import { DemoFeed, demoFeedEnabled, startDemoFeed } from "@/lib/demo/demo-feed";
import { listApplicationSyncStatus } from "@/lib/sync-status/list-sync-status";
import { appFiles } from "@/test/catalogue/gitops-fixture";
import { createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";
import { mergedPromotion } from "../sync/support";

const GITHUB = {
  GANTRY_GIT_PROVIDER: "github",
  GANTRY_GITHUB_OWNER: "acme",
  GANTRY_GITHUB_TOKEN: "ghp_test",
};

describe("the demo feed's switch", () => {
  it("is on only in the embedded default", () => {
    expect(demoFeedEnabled(parseConfig({}))).toBe(true);
    expect(demoFeedEnabled(parseConfig({ DATABASE_URL: "postgres://db.example.com/gantry" }))).toBe(
      false,
    );
    expect(demoFeedEnabled(parseConfig(GITHUB))).toBe(false);
    expect(demoFeedEnabled(parseConfig({ GANTRY_DEMO_SEED: "false" }))).toBe(false);
    expect(demoFeedEnabled(parseConfig({ GANTRY_DEMO_FEED: "off" }))).toBe(false);
    expect(() => parseConfig({ GANTRY_DEMO_FEED: "on" })).toThrow(/GANTRY_DEMO_FEED/);
  });
});

/**
 * The feed driven tick by tick (no timers, no sleeping) against a real
 * repository and Postgres: a merged promotion reaches `deployed` by itself.
 */
describe("the demo feed", () => {
  let w: PromotionWorld;
  let feed: DemoFeed;
  const t0 = Date.now();
  const at = (seconds: number) => new Date(t0 + seconds * 1_000);

  // A world and a feed per test: a feed that has ticked, or a promotion merged, is state.
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 3 });
    feed = await DemoFeed.create({ db: w.db, git: w.provider, settleAfterMs: 5_000 });
  });
  afterEach(async () => {
    await w?.close();
  });

  it("does not start outside the embedded default, and touches no cluster", async () => {
    for (const env of [{ DATABASE_URL: w.url }, GITHUB]) {
      expect(
        await startDemoFeed({ config: parseConfig(env), db: w.db, git: w.provider }),
      ).toBeNull();
    }
  });

  it("registers every cluster of environments.yaml and reports them Synced/Healthy as demo", async () => {
    expect(feed.clusterNames.sort()).toEqual([
      "dev-eu-1",
      "prod-eu-1",
      "prod-us-1",
      "staging-eu-1",
    ]);
    await feed.tick(at(0));
    const clusters = await w.db.cluster.findMany({
      select: { name: true, agentMode: true, tokenHash: true, lastSeenAt: true },
    });
    for (const cluster of clusters) {
      expect(cluster).toMatchObject({ agentMode: "demo", tokenHash: expect.any(String) });
      expect(cluster.lastSeenAt).toBeInstanceOf(Date);
    }
    const status = await listApplicationSyncStatus({ db: w.db, application: "app-0" });
    expect(JSON.stringify(status)).toContain("Synced");
  });

  it("keeps clusters fresh with heartbeats, and reports what an import added, one cluster per tick", async () => {
    const first = await feed.tick(at(0));
    for (const name of feed.clusterNames) expect(first.items[name]).toBeGreaterThan(0);
    const seenAt = async () =>
      new Map(
        (await w.db.cluster.findMany({ select: { name: true, lastSeenAt: true } })).map((c) => [
          c.name,
          c.lastSeenAt?.getTime(),
        ]),
      );
    const before = await seenAt();

    // Nothing changed: every cluster says it is alive, with no statuses.
    const quiet = await feed.tick(at(31));
    for (const name of feed.clusterNames) {
      expect(quiet.reports[name]).toBe(1);
      expect(quiet.items[name]).toBe(0);
    }
    const after = await seenAt();
    for (const name of feed.clusterNames) {
      expect(after.get(name)).toBeGreaterThan(before.get(name) ?? Number.POSITIVE_INFINITY);
    }

    // An import that added nothing: nothing to resend, heartbeats aside.
    await w.db.catalogImport.create({
      data: { repository: "gitops", ref: "main", status: "succeeded", trigger: "test" },
    });
    for (let second = 32; second < 32 + feed.clusterNames.length; second++) {
      const tick = await feed.tick(at(second));
      for (const name of feed.clusterNames) expect(tick.items[name] ?? 0).toBe(0);
    }

    // An application committed, seen and settled before the import that adds it: the
    // import's applications are reported then, one cluster per tick.
    w.repo.commit(
      appFiles("app-new", "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
      "add app-new",
    );
    await feed.tick(at(40));
    await feed.tick(at(60));
    await w.importNow();
    const reported = new Set<string>();
    for (let second = 61; second < 61 + feed.clusterNames.length; second++) {
      const tick = await feed.tick(at(second));
      const sending = feed.clusterNames.filter((name) => (tick.items[name] ?? 0) > 0);
      expect(sending).toHaveLength(1);
      for (const name of sending) {
        expect(tick.items[name]).toBe(1);
        reported.add(name);
      }
    }
    expect([...reported].sort()).toEqual([...feed.clusterNames].sort());
    const status = await listApplicationSyncStatus({ db: w.db, application: "app-new" });
    expect(JSON.stringify(status)).toContain("Synced");
    const settled = await feed.tick(at(61 + feed.clusterNames.length));
    for (const name of feed.clusterNames) expect(settled.items[name] ?? 0).toBe(0);
  });

  it("reports the whole fleet again every snapshot interval, one cluster per tick", async () => {
    const snapshots = await DemoFeed.create({
      db: w.db,
      git: w.provider,
      settleAfterMs: 5_000,
      snapshotEveryMs: 60_000,
    });
    await snapshots.tick(at(0));
    const refreshed = new Set<string>();
    for (let second = 60; second < 60 + snapshots.clusterNames.length; second++) {
      const tick = await snapshots.tick(at(second));
      const full = snapshots.clusterNames.filter((name) => (tick.items[name] ?? 0) === 3);
      expect(full).toHaveLength(1);
      for (const name of full) refreshed.add(name);
    }
    expect([...refreshed].sort()).toEqual([...snapshots.clusterNames].sort());
  });

  it("moves a merged promotion to syncing, then deployed, by itself", async () => {
    // The clusters have reported the fleet as it was before the merge.
    await feed.tick(at(0));
    const merged = await mergedPromotion(w.ctx, "app-1");
    const state = async () =>
      (await w.db.promotion.findUniqueOrThrow({ where: { id: merged.id } })).state;
    expect(await state()).toBe("merged");

    await feed.tick(at(1));
    expect(await state()).toBe("syncing");
    const moving = await w.db.syncStatus.findMany({
      where: { application: { slug: "app-1" }, environment: { name: "prod" } },
      select: { syncState: true, health: true, syncedRevision: true },
    });
    expect(moving).toHaveLength(2);
    for (const row of moving) {
      expect(row).toEqual({
        syncState: "OutOfSync",
        health: "Progressing",
        syncedRevision: merged.baseCommit,
      });
    }

    await feed.tick(at(3));
    expect(await state()).toBe("syncing");
    // prod-eu-1 settles after 5 s, prod-us-1 a second later.
    await feed.tick(at(6.5));
    expect(await state()).toBe("syncing");
    await feed.tick(at(7.5));
    const deployed = await w.db.promotion.findUniqueOrThrow({ where: { id: merged.id } });
    expect(deployed.state).toBe("deployed");
    expect(deployed.leadTimeSeconds).not.toBeNull();

    // Only prod's two clusters ever reported app-1 out of sync: other environments never moved.
    const app = await w.db.application.findUniqueOrThrow({ where: { slug: "app-1" } });
    const outOfSync = await w.db.syncStatusChange.count({
      where: { applicationId: app.id, syncState: "OutOfSync" },
    });
    expect(outOfSync).toBe(2);
    // The applications that did not move stay at the commit they settled at.
    const unmoved = await w.db.syncStatus.findMany({
      where: { application: { slug: { not: "app-1" } } },
      select: { syncedRevision: true },
    });
    expect(unmoved.length).toBeGreaterThan(0);
    for (const row of unmoved) expect(row.syncedRevision).toBe(merged.baseCommit);
  });
});
