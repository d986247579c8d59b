import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUES, startBoss } from "@/lib/jobs/boss";
import { type OpenPullRequestJob, pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { startPromotionWorkers } from "@/lib/jobs/worker";
import { getPromotion } from "@/lib/promotion/get-promotion";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, createPromotionWorld, type PromotionWorld } from "./support";

/** Longer than the test may take: a job that waited for the worker's next poll would time it out. */
const POLL_SECONDS = 30;

/**
 * The job runner's workers hold a LISTEN connection: a request's job is
 * fetched when its transaction commits, not at the worker's next poll.
 */
describe("a requested promotion's job wakes the worker", () => {
  let w: PromotionWorld;
  let boss: PgBoss;

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 2 });
    // As the job runner starts it (lib/runtime/job-runner.ts), with spies for the test.
    boss = await startBoss(w.url, { listen: true, spies: true });
    w.ctx.jobs = pgBossPromotionJobs(boss);
    await startPromotionWorkers({ boss, ctx: w.ctx, pollingIntervalSeconds: POLL_SECONDS });
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    await w?.close();
  });

  it("opens the pull request without waiting for a poll", { timeout: 15_000 }, async () => {
    const spy = boss.getSpy<OpenPullRequestJob>(QUEUES.openPullRequest);
    // The first job may be taken by the workers' first fetch; after it they only wait.
    for (const application of ["app-0", "app-1"]) {
      const { promotion } = await requestPromotion({
        ctx: w.ctx,
        principal: ALICE,
        application,
        environment: "prod",
        reason: "woken, not polled",
      });
      await spy.waitForJob((data) => data.promotionId === promotion.id, "completed");
      const detail = await getPromotion({ ctx: w.ctx, promotionId: promotion.id });
      expect(detail.state).toBe("pr_open");
    }
  });
});
