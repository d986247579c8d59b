import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOBS_SCHEMA, QUEUES, startBoss } from "@/lib/jobs/boss";
import { type OpenPullRequestJob, pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { startPromotionWorkers } from "@/lib/jobs/worker";
import { getPromotion } from "@/lib/promotion/get-promotion";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, createPromotionWorld, type PromotionWorld } from "./support";

/** The real queue: pg-boss on the test's database, a worker, request → job → pr_open. */
describe("the promotion job through pg-boss", () => {
  let w: PromotionWorld;
  let boss: PgBoss;

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 3 });
    boss = await startBoss(w.url, { spies: true });
    w.ctx.jobs = pgBossPromotionJobs(boss);
    await startPromotionWorkers({ boss, ctx: w.ctx, pollingIntervalSeconds: 0.5 });
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false, close: true });
    await w?.close();
  });

  it("keeps its tables in a schema of its own", async () => {
    const schemas = await w.db.$queryRaw<{ schema: string }[]>`
      SELECT DISTINCT table_schema AS schema FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`;
    expect(schemas.map((s) => s.schema)).toEqual([JOBS_SCHEMA, "public"]);
  });

  it("opens the pull request of a requested promotion", async () => {
    const spy = boss.getSpy<OpenPullRequestJob>(QUEUES.openPullRequest);
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "prod",
      reason: "through the queue",
    });
    await spy.waitForJob((data) => data.promotionId === promotion.id, "completed");
    const detail = await getPromotion({ ctx: w.ctx, promotionId: promotion.id });
    expect(detail.state).toBe("pr_open");
    expect(detail.live).toMatchObject({ ok: true, value: { pullRequest: { state: "open" } } });
  });

  it("opens many at once, one pull request each", async () => {
    const spy = boss.getSpy<OpenPullRequestJob>(QUEUES.openPullRequest);
    const requested = await Promise.all(
      ["app-1", "app-2"].flatMap((app) =>
        ["staging", "prod"].map((environment) =>
          requestPromotion({
            ctx: w.ctx,
            principal: ALICE,
            application: app,
            environment,
            version: environment === "staging" ? "1.1.0" : undefined,
            reason: "batch",
          }).then(
            (r) => r.promotion.id,
            () => null,
          ),
        ),
      ),
    );
    // staging already runs 1.1.0: those two are refused; the prod ones are requested.
    const ids = requested.filter((id): id is string => id !== null);
    expect(ids).toHaveLength(2);
    await Promise.all(
      ids.map((id) => spy.waitForJob((data) => data.promotionId === id, "completed")),
    );
    const rows = await w.db.promotion.findMany({ where: { id: { in: ids } } });
    expect(rows.map((r) => r.state)).toEqual(["pr_open", "pr_open"]);
    expect(new Set(rows.map((r) => r.prNumber)).size).toBe(2);
  });
});
