import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUES, startBoss } from "@/lib/jobs/boss";
import { type OpenPullRequestJob, pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { startPromotionWorkers } from "@/lib/jobs/worker";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, createPromotionWorld, type PromotionWorld } from "./support";

/**
 * A worker killed in the middle of opening a pull request, on pg-boss's real
 * Postgres queue: its job stops heartbeating, the supervisor fails it, and
 * another worker's retry finishes the promotion with the one pull request the
 * first attempt already opened. The heartbeat and supervision are shortened
 * here (10 s, pg-boss's minimum, and 1 s) so the test does not wait the
 * production intervals; the mechanism is the same.
 */

const TIMING = { heartbeatSeconds: 10, superviseIntervalSeconds: 1 };

let w: PromotionWorld;
const bosses: PgBoss[] = [];

beforeAll(async () => {
  w = await createPromotionWorld({ apps: 1 });
});

afterAll(async () => {
  for (const boss of bosses) await boss.stop({ graceful: false, close: true });
  await w?.close();
});

describe("a worker killed mid-job", () => {
  it("its job is retried once its heartbeat stops, and the promotion reaches pr_open with exactly one pull request", async () => {
    // The process that dies: it sent the job (as the portal does), took it, and opened the
    // pull request on the host; it is killed before it records anything or completes the job.
    const dying = await startBoss(w.url, { timing: TIMING });
    bosses.push(dying);
    const { promotion } = await requestPromotion({
      ctx: { ...w.ctx, jobs: pgBossPromotionJobs(dying) },
      principal: ALICE,
      application: "app-0",
      environment: "prod",
      reason: "the first worker dies",
    });
    const [job] = await dying.fetch<OpenPullRequestJob>(QUEUES.openPullRequest);
    expect(job?.data).toEqual({ promotionId: promotion.id });
    await expect(
      openPromotionPullRequest({
        ctx: w.ctx,
        promotionId: promotion.id,
        afterStep: (step) => {
          if (step === "pull_request") throw new Error("worker killed");
        },
      }),
    ).rejects.toThrow("worker killed");
    const planned = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    expect(planned.state).toBe("planned");
    expect(await w.db.localPullRequest.count({ where: { head: planned.branch } })).toBe(1);
    // No completion, no failure, no heartbeat: the job stays active as the dead worker left it.
    expect((await dying.getJobById(QUEUES.openPullRequest, job?.id ?? ""))?.state).toBe("active");

    // Another job runner: it supervises the queue and works it.
    const runner = await startBoss(w.url, { supervise: true, spies: true, timing: TIMING });
    bosses.push(runner);
    const spy = runner.getSpy<OpenPullRequestJob>(QUEUES.openPullRequest);
    await startPromotionWorkers({
      boss: runner,
      ctx: { ...w.ctx, jobs: pgBossPromotionJobs(runner) },
      pollingIntervalSeconds: 0.5,
    });
    await spy.waitForJob((data) => data.promotionId === promotion.id, "completed");

    const retried = await runner.getJobById(QUEUES.openPullRequest, job?.id ?? "");
    expect(retried).toMatchObject({ state: "completed", retryCount: 1 });
    const opened = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    expect(opened.state).toBe("pr_open");
    const pulls = await w.db.localPullRequest.findMany({ where: { head: opened.branch } });
    expect(pulls.map((pull) => pull.number)).toEqual([opened.prNumber]);
  });
});
