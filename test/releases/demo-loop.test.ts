import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DemoFeed, nextPatch } from "@/lib/demo/demo-feed";
import { evaluateProgression } from "@/lib/releases/evaluate-progression";
import { listReleaseProgress } from "@/lib/releases/list-release-progress";
import { listReleases } from "@/lib/releases/list-releases";
import { ADA } from "@/test/promotion/support";
import { createReleaseWorld, type ReleaseWorld } from "./support";

describe("nextPatch", () => {
  it("bumps the last number of the highest version", () => {
    expect(nextPatch(["1.4.2"])).toBe("1.4.3");
    expect(nextPatch(["1.4.2", "1.10.0"])).toBe("1.10.1");
    expect(nextPatch(["2.0.0-rc9", "1.9.9"])).toBe("2.0.0-rc10");
    expect(nextPatch(["latest"])).toBe("latest.1");
  });
});

/**
 * The loop of the embedded default, tick by tick with the clock passed in:
 * the demo feed registers a labelled demo release, dev's on-release rule
 * opens and auto-merges it, the feed reports it deployed and healthy, and
 * after staging's short soak the rule opens staging's promotion.
 */
describe("releases flowing in the demo", () => {
  let w: ReleaseWorld;
  let feed: DemoFeed;

  beforeEach(async () => {
    w = await createReleaseWorld({ apps: 2 });
    await w.setPolicies({
      dev: "autoPromote: on-release\nautoMerge: true",
      staging: "autoPromote: after-healthy\nsoak: 2m",
    });
    feed = await DemoFeed.create({
      db: w.db,
      git: w.provider,
      settleAfterMs: 5_000,
      releaseJobs: w.releaseJobs,
      releaseEveryMs: 10 * 60_000,
    });
  });
  afterEach(async () => {
    await w?.close();
  });

  it("registers a demo release that goes to dev by itself and on to staging after the soak", async () => {
    // The feed's clock starts in the past, so what it reports before the deploy is before it.
    const t0 = Date.now() - 120_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1_000);

    const first = await feed.tick(at(0));
    expect(first.release).toEqual({ application: "app-0", version: "1.1.1" });
    const release = await w.db.release.findFirstOrThrow({ where: { version: "1.1.1" } });
    expect(release.notes).toContain("Demo release");
    expect(release.registeredByName).toBe("API token demo CI (Gantry's demo feed)");
    // Labelled as demo wherever releases are listed: the app page and the API.
    const [shown] = await listReleaseProgress({ db: w.db, application: "app-0" });
    expect(shown).toMatchObject({ version: "1.1.1", demo: true, heldIn: null });
    const listed = await listReleases({
      db: w.db,
      principal: ADA,
      app: "app-0",
      query: {},
    });
    expect(listed.items.find((item) => item.version === "1.1.1")?.demo).toBe(true);
    // Not another one until the interval has passed.
    expect((await feed.tick(at(1))).release).toBeUndefined();

    expect((await evaluateProgression({ ctx: w.ctx, now: at(2) })).opened).toEqual([
      expect.objectContaining({ application: "app-0", environment: "dev", version: "1.1.1" }),
    ]);
    await w.runPullRequestJobs();
    // The feed sees the merge, then settles each cluster on the new commit.
    await feed.tick(at(3));
    await feed.tick(at(10));
    const [dev] = await w.promotionsOf("app-0", "dev");
    expect(dev?.state).toBe("deployed");
    expect(w.releaseJobs.requested.length).toBeGreaterThanOrEqual(2);

    const deployedAt = dev?.deployedAt ?? new Date(0);
    const soon = new Date(deployedAt.getTime() + 60_000);
    await feed.tick(soon);
    expect((await evaluateProgression({ ctx: w.ctx, now: soon })).opened).toEqual([]);

    const afterSoak = new Date(deployedAt.getTime() + 121_000);
    await feed.tick(afterSoak);
    expect((await evaluateProgression({ ctx: w.ctx, now: afterSoak })).opened).toEqual([
      expect.objectContaining({ application: "app-0", environment: "staging", version: "1.1.1" }),
    ]);
  });
});
