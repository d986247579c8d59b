import { afterEach, describe, expect, it } from "vitest";
import { gitProcessesStarted } from "@/lib/git/local/git-cli";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, createPromotionWorld, type PromotionWorld } from "./support";

/**
 * What one promotion costs in git processes on the local provider, from the
 * request to the open pull request. Counted, not timed: each process is a
 * fork and exec, and the count must not grow with the repository.
 */
describe("git processes per local promotion", () => {
  let worlds: PromotionWorld[] = [];
  afterEach(async () => {
    for (const w of worlds) await w.close();
    worlds = [];
  });

  async function processesForOnePromotion(apps: number): Promise<number> {
    const w = await createPromotionWorld({ apps });
    worlds.push(w);
    const before = gitProcessesStarted();
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-1",
      environment: "prod",
      reason: "Verified in staging",
    });
    const opened = await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    expect(opened.state).toBe("pr_open");
    return gitProcessesStarted() - before;
  }

  it("opens a pull request with at most 6 git processes, as many for 300 apps as for 3", async () => {
    const small = await processesForOnePromotion(3);
    const large = await processesForOnePromotion(300);
    expect(small).toBeLessThanOrEqual(6);
    expect(large).toBe(small);
  });
});
