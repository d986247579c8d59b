import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseStatementsSent } from "@/lib/db";
import { startBoss } from "@/lib/jobs/boss";
import { pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, createPromotionWorld, type PromotionWorld } from "./support";

/**
 * What one promotion costs in database round trips on the local provider,
 * from the request to the open pull request: every statement Gantry's
 * clients send (BEGIN and COMMIT included), with the job enqueued through
 * pg-boss in the request's transaction as the portal does. Counted, not
 * timed: each statement is a round trip someone waits on, and on a quiet
 * machine they are most of a promotion's time beside its git work.
 */
describe("database round trips per local promotion", () => {
  let w: PromotionWorld;
  let boss: PgBoss;

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 4 });
    boss = await startBoss(w.url);
    w.ctx.jobs = pgBossPromotionJobs(boss);
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    await w?.close();
  });

  async function statementsForOnePromotion(application: string) {
    const before = databaseStatementsSent();
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application,
      environment: "prod",
      reason: "Verified in staging",
    });
    const requested = databaseStatementsSent();
    const opened = await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    expect(opened.state).toBe("pr_open");
    return { request: requested - before, job: databaseStatementsSent() - requested };
  }

  it("requests a promotion in at most 11 statements and opens its pull request in at most 10", async () => {
    // The first promotion pays for what is done once per process (the queue's first send):
    // count the second. Before one statement per audit event, it was 14 and 23; before the request
    // returned the row its insert gave back instead of reading it again, 12.
    await statementsForOnePromotion("app-0");
    const { request, job } = await statementsForOnePromotion("app-1");
    // Each audit event, with its change notification, is one statement. The plan's look for
    // other cells a shared file decides is one more, sent while git reads the files.
    expect(request).toBeLessThanOrEqual(11);
    expect(job).toBeLessThanOrEqual(10);
  });
});
