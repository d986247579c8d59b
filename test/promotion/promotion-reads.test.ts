import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GitProvider } from "@/lib/git/provider";
import { getPromotion } from "@/lib/promotion/get-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { reviewPromotion } from "@/lib/promotion/review-promotion";
import { ALICE, BOB, createPromotionWorld, type PromotionWorld } from "./support";

const HOST_READS = new Set(["getPullRequest", "listReviews", "getChecks"]);

/** The world's provider, counting every read of a pull request from the Git host. */
function countingProvider(provider: GitProvider): { git: GitProvider; reads: () => number } {
  let reads = 0;
  const git = new Proxy(provider, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (typeof property === "string" && HOST_READS.has(property)) reads++;
        return value.apply(target, args);
      };
    },
  });
  return { git, reads: () => reads };
}

describe("reading a promotion costs the Git host nothing", () => {
  let w: PromotionWorld;
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 2 });
  });
  afterEach(async () => {
    await w?.close();
  });

  it("polling a promotion reads its pull request from the host once, again only after a change or on refresh", async () => {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-1",
      environment: "prod",
      reason: "Verified in staging",
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    const counted = countingProvider(w.provider);
    const ctx = { ...w.ctx, git: counted.git };
    const read = (refresh?: boolean) => getPromotion({ ctx, promotionId: promotion.id, refresh });

    const first = await read();
    expect(first.live).toMatchObject({ ok: true, value: { pullRequest: { state: "open" } } });
    const afterFirst = counted.reads();
    expect(afterFirst).toBe(3); // the pull request, its reviews, its head's checks
    for (let i = 0; i < 20; i++) {
      expect((await read()).live).toEqual(first.live);
    }
    expect(counted.reads()).toBe(afterFirst);

    // A review changes the pull request: the next read asks the host once, and shows it.
    await reviewPromotion({
      ctx: w.ctx,
      promotionId: promotion.id,
      principal: BOB,
      decision: "approve",
    });
    const reviewed = await read();
    expect(reviewed.live?.ok && reviewed.live.value.reviews.map((r) => r.state)).toEqual([
      "approved",
    ]);
    expect(counted.reads()).toBe(afterFirst + 3);
    await read();
    expect(counted.reads()).toBe(afterFirst + 3);

    // A person may ask the host now.
    await read(true);
    expect(counted.reads()).toBe(afterFirst + 6);
  });
});
