import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import { DemoFeed, demoFeedEnabled, startDemoFeed } from "@/lib/demo/demo-feed";
import { listApplicationSyncStatus } from "@/lib/sync-status/list-sync-status";
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
  });
});
