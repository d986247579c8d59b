import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isGantryError } from "@/lib/errors";
import { runOpenTrainPullRequestJob } from "@/lib/jobs/train-jobs";
import { applyHostChange } from "@/lib/promotion/apply-host-change";
import { closePromotion } from "@/lib/promotion/close-promotion";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { reviewPromotion } from "@/lib/promotion/review-promotion";
import { ingestReport } from "@/lib/sync/ingest-report";
import type { StatusItem } from "@/lib/sync-status/report";
import { closeTrain } from "@/lib/trains/close-train";
import { getTrainPage } from "@/lib/trains/get-train-page";
import { listTrains } from "@/lib/trains/list-trains";
import { mergeTrain } from "@/lib/trains/merge-train";
import { requestTrain } from "@/lib/trains/request-train";
import { reviewTrain } from "@/lib/trains/review-train";
import { ALICE, BOB, CAROL, environmentsYaml, OSCAR } from "@/test/promotion/support";
import { argoItem, reportingCluster } from "@/test/sync/support";
import { createTrainWorld, type TrainWorld } from "@/test/trains/support";

/** What an error thrown by `run` says, or fails the test when it does not throw. */
async function refusal(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    if (isGantryError(error)) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

const APPS = 50;

describe("release trains: 50 applications in one pull request", () => {
  let w: TrainWorld;

  beforeAll(async () => {
    w = await createTrainWorld({ apps: APPS });
    // app-7's prod values file no longer parses: planning it must fail, on its own.
    w.repo.commit(
      { "apps/app-7/envs/prod/values.yaml": "image:\n  tag: [1.0.0\n  repo: broken\n" },
      "break app-7",
    );
  });
  afterAll(async () => {
    await w?.close();
  });

  const trainTo = (excludeFailing?: boolean) =>
    requestTrain({
      ctx: w.trainCtx,
      principal: ALICE,
      input: {
        environment: "prod",
        selection: { differsFrom: "staging" },
        reason: "Quarterly release",
        ...(excludeFailing === undefined ? {} : { excludeFailing }),
      },
    });

  it("one unparsable file: a clear error naming the application and file, and nothing opened", async () => {
    const error = await refusal(() => trainTo());
    expect(error.code).toBe("unprocessable");
    expect(error.message).toContain(`1 of ${APPS} applications cannot be promoted to prod`);
    expect(error.message).toContain("nothing was opened");
    expect(error.message).toContain("app-7: apps/app-7/envs/prod/values.yaml");
    expect(error.details?.problems).toEqual([
      expect.objectContaining({ application: "app-7", environment: "prod" }),
    ]);
    expect(await w.db.train.count()).toBe(0);
    expect(await w.db.promotion.count()).toBe(0);
    expect(w.trainJobs.enqueued).toEqual([]);
    expect(await w.git("branch", "--list", "gantry/*")).toBe("");
  });

  it("the person chose to leave it out: the other 49 go in one branch, one commit, one pull request", async () => {
    const result = await trainTo(true);
    expect(result.promotions).toHaveLength(APPS - 1);
    expect(result.excluded.map((p) => p.application)).toEqual(["app-7"]);
    expect(w.trainJobs.enqueued).toEqual([result.trainId]);
    await w.runTrainJobs();

    const train = await w.db.train.findUniqueOrThrow({ where: { id: result.trainId } });
    expect(train.prNumber).not.toBeNull();
    const promotions = await w.db.promotion.findMany({ where: { trainId: result.trainId } });
    expect(promotions).toHaveLength(APPS - 1);
    for (const p of promotions) {
      expect(p).toMatchObject({
        state: "pr_open",
        prNumber: train.prNumber,
        headCommit: train.headCommit,
        branch: train.branch,
        version: "1.1.0",
      });
    }
    // One commit on the base, touching exactly the 49 values files.
    expect(
      (await w.git("rev-list", "--count", `${train.baseCommit}..${train.branch}`)).trim(),
    ).toBe("1");
    const touched = (await w.git("diff", "--name-only", train.baseCommit, train.branch))
      .trim()
      .split("\n");
    expect(touched).toHaveLength(APPS - 1);
    expect(touched).not.toContain("apps/app-7/envs/prod/values.yaml");
    // One pull request whose body lists every application and version.
    const pr = await w.provider.getPullRequest(train.prNumber as number);
    expect(pr.title).toBe(`Release train to prod: ${APPS - 1} applications`);
    for (let i = 0; i < APPS; i++) {
      const row = `| \`app-${i}\` | \`1.0.0\` | \`1.1.0\` | \`apps/app-${i}/envs/prod/values.yaml\` |`;
      if (i === 7) expect(pr.body).not.toContain(row);
      else expect(pr.body).toContain(row);
    }
    // The left-out application is shown beside the others, with why.
    const page = await getTrainPage({ db: w.db, trainId: result.trainId });
    expect(page.applications).toHaveLength(APPS - 1);
    expect(page.counts).toEqual({ pr_open: APPS - 1 });
    expect(page.excluded).toEqual([
      expect.objectContaining({
        application: "app-7",
        message: expect.stringContaining("apps/app-7/envs/prod/values.yaml"),
      }),
    ]);
    const [listed] = await listTrains({ db: w.db });
    expect(listed).toMatchObject({ id: result.trainId, applications: APPS - 1 });
    // A single promotion of one of its applications would pull it out of the shared pull request.
    const single = await refusal(() =>
      requestPromotion({
        ctx: w.ctx,
        principal: ALICE,
        application: "app-3",
        environment: "prod",
        reason: "on its own",
      }),
    );
    expect(single.message).toContain("in a release train");
    // Nor may one of them be closed alone: the pull request is the train's.
    const one = promotions.find((p) => p.version === "1.1.0");
    const closeOne = await refusal(() =>
      closePromotion({ ctx: w.ctx, promotionId: one?.id ?? "", principal: ALICE }),
    );
    expect(closeOne.message).toContain("close the train instead");
    const mergeOne = await refusal(() =>
      mergePromotion({ ctx: w.ctx, promotionId: one?.id ?? "", principal: ALICE }),
    );
    expect(mergeOne.message).toContain("merge the train instead");
    const reviewOne = await refusal(() =>
      reviewPromotion({
        ctx: w.ctx,
        promotionId: one?.id ?? "",
        principal: BOB,
        decision: "approve",
      }),
    );
    expect(reviewOne.message).toContain("review the train instead");
    expect((await w.provider.getPullRequest(train.prNumber as number)).state).toBe("open");

    // Closing the train closes its one pull request and every promotion in it.
    expect(await closeTrain({ ctx: w.ctx, trainId: result.trainId, principal: ALICE })).toEqual({
      closed: APPS - 1,
    });
    expect((await w.provider.getPullRequest(train.prNumber as number)).state).toBe("closed");
    expect((await getTrainPage({ db: w.db, trainId: result.trainId })).counts).toEqual({
      closed: APPS - 1,
    });
  });
});

describe("release trains: policies, merge and progress", () => {
  let w: TrainWorld;

  beforeAll(async () => {
    w = await createTrainWorld({ apps: 4 });
    w.repo.commit(
      {
        "environments.yaml": environmentsYaml({ prod: "approvals: 2" }),
        // app-3 already runs staging's version in prod: it differs from nothing.
        "apps/app-3/envs/prod/values.yaml":
          "image:\n  repository: registry.example.com/app-3\n  tag: 1.1.0\n",
      },
      "two approvals in prod",
    );
    await w.importNow();
  });
  afterAll(async () => {
    await w?.close();
  });

  async function openTrain() {
    const { trainId } = await requestTrain({
      ctx: w.trainCtx,
      principal: ALICE,
      input: {
        environment: "prod",
        selection: { team: "payments", differsFrom: "staging" },
        reason: "Release",
      },
    });
    await w.runTrainJobs();
    return trainId;
  }

  it("selects by the version-matrix difference and refuses another team's developer per application", async () => {
    const error = await refusal(() =>
      requestTrain({
        ctx: w.trainCtx,
        principal: OSCAR,
        input: { environment: "prod", selection: { team: "payments" }, reason: "not mine" },
      }),
    );
    expect(error.code).toBe("forbidden");
    expect(error.message).toContain("app-0:");
    expect(await w.db.train.count()).toBe(0);
  });

  it("merges only once every application's policy is met, then moves every promotion to merged", async () => {
    const trainId = await openTrain();
    const promotions = await w.db.promotion.findMany({ where: { trainId } });
    expect(promotions.map((p) => p.version)).toEqual(["1.1.0", "1.1.0", "1.1.0"]);

    const early = await refusal(() => mergeTrain({ ctx: w.ctx, trainId, principal: ALICE }));
    expect(early.message).toContain("the train's policies are not all met yet");
    expect(early.message).toContain("app-0, app-1, app-2");

    const once = await reviewTrain({ ctx: w.ctx, trainId, principal: BOB, decision: "approve" });
    expect(once.standing.satisfied).toBe(false);
    expect(once.standing.applications.map((a) => a.counted)).toEqual([1, 1, 1]);
    // One review on the one pull request, recorded on each promotion.
    const train = await w.db.train.findUniqueOrThrow({ where: { id: trainId } });
    expect(await w.provider.listReviews(train.prNumber as number)).toHaveLength(1);
    expect(await w.db.approval.count({ where: { promotion: { trainId } } })).toBe(3);
    await refusal(() => mergeTrain({ ctx: w.ctx, trainId, principal: ALICE }));
    // One gantry/policy on the one head, said for every promotion of the train.
    const pending = await w.db.promotion.findMany({ where: { trainId } });
    expect(pending.map((p) => p.policyStatus)).toEqual(["pending", "pending", "pending"]);
    expect(
      await w.db.localCommitStatus.findMany({ where: { sha: train.headCommit as string } }),
    ).toEqual([expect.objectContaining({ context: "gantry/policy", state: "pending" })]);

    const twice = await reviewTrain({ ctx: w.ctx, trainId, principal: CAROL, decision: "approve" });
    expect(twice.standing.satisfied).toBe(true);
    const approved = await w.db.promotion.findMany({ where: { trainId } });
    expect(approved.map((p) => p.state)).toEqual(["approved", "approved", "approved"]);
    expect(approved.map((p) => p.policyStatus)).toEqual(["success", "success", "success"]);

    const merged = await mergeTrain({ ctx: w.ctx, trainId, principal: ALICE });
    expect(merged.merged).toBe(3);
    const after = await w.db.promotion.findMany({ where: { trainId } });
    for (const p of after)
      expect(p).toMatchObject({ state: "merged", mergeCommit: merged.mergeCommit });
    expect(await w.git("show", `${merged.mergeCommit}:apps/app-1/envs/prod/values.yaml`)).toContain(
      'tag: "1.1.0"',
    );
  });

  it("shows one application's failed sync beside the others' progress to deployed", async () => {
    const [trainId] = (await listTrains({ db: w.db })).map((t) => t.id);
    const merged = await w.db.promotion.findFirstOrThrow({ where: { trainId } });
    const mergeCommit = merged.mergeCommit as string;
    const now = Date.now();
    const item = (application: string, ok: boolean): StatusItem =>
      ok
        ? argoItem({
            application,
            syncState: "Synced",
            health: "Healthy",
            revision: mergeCommit,
            observedAt: new Date(now),
          })
        : {
            ...argoItem({
              application,
              syncState: "OutOfSync",
              health: "Degraded",
              revision: mergeCommit,
              observedAt: new Date(now),
            }),
            operation: { phase: "Failed", message: "image pull failed", revision: mergeCommit },
          };
    for (const [index, cluster] of ["prod-eu-1", "prod-us-1"].entries()) {
      await ingestReport({
        db: w.db,
        git: w.provider,
        cluster: await reportingCluster(w.db, cluster),
        receivedAt: new Date(now),
        report: {
          schemaVersion: 1,
          agent: { version: "test", mode: "agent" },
          kind: "delta",
          sequence: index + 1,
          sentAt: new Date(now).toISOString(),
          items: [item("app-0", true), item("app-1", false), item("app-2", true)],
        },
      });
    }
    const page = await getTrainPage({ db: w.db, trainId: trainId as string });
    expect(page.applications.map((a) => [a.application, a.state])).toEqual([
      ["app-0", "deployed"],
      ["app-1", "failed"],
      ["app-2", "deployed"],
    ]);
    expect(page.applications[1]?.failureReason).toContain("image pull failed");
    expect(page.counts).toEqual({ deployed: 2, failed: 1 });
  });
});

describe("release trains: a merge on the Git host moves every promotion", () => {
  let w: TrainWorld;

  beforeAll(async () => {
    w = await createTrainWorld({ apps: 3 });
  });
  afterAll(async () => {
    await w?.close();
  });

  it("one merged pull request, three merged promotions", async () => {
    const { trainId } = await requestTrain({
      ctx: w.trainCtx,
      principal: ALICE,
      input: {
        environment: "prod",
        selection: { apps: ["app-0", "app-1", "app-2"] },
        reason: "Release",
      },
    });
    await w.runTrainJobs();
    const train = await w.db.train.findUniqueOrThrow({ where: { id: trainId } });
    const outcome = await applyHostChange({
      ctx: w.ctx,
      change: {
        kind: "merged",
        pullRequest: train.prNumber as number,
        mergeCommit: "f".repeat(40),
        mergedAt: new Date(),
      },
      source: "webhook",
    });
    expect(outcome.promotions.filter((p) => p.changed)).toHaveLength(3);
    const promotions = await w.db.promotion.findMany({ where: { trainId } });
    expect(promotions.map((p) => p.state)).toEqual(["merged", "merged", "merged"]);
  });

  it("a job that cannot open the train fails every application with the reason, shown on the train", async () => {
    // dev runs 1.2.0: staging has something to take.
    const values = "image:\n  repository: registry.example.com/app\n  tag: 1.2.0\n";
    w.repo.commit(
      {
        "apps/app-0/envs/dev/values.yaml": values,
        "apps/app-1/envs/dev/values.yaml": values,
      },
      "dev runs 1.2.0",
    );
    await w.importNow();
    const { trainId } = await requestTrain({
      ctx: w.trainCtx,
      principal: ALICE,
      input: {
        environment: "staging",
        selection: { apps: ["app-0", "app-1"] },
        reason: "Release",
      },
    });
    const train = await w.db.train.findUniqueOrThrow({ where: { id: trainId } });
    // Someone else's commit on the train's branch: no retry can fix that.
    await w.git("branch", train.branch, `${train.baseCommit}~1`);
    await runOpenTrainPullRequestJob(w.ctx, { id: "job-1", data: { trainId }, retryCount: 0 });
    const page = await getTrainPage({ db: w.db, trainId });
    expect(page.failureReason).toContain("commits Gantry did not make for this train");
    expect(page.applications.map((a) => [a.application, a.state])).toEqual([
      ["app-0", "failed"],
      ["app-1", "failed"],
    ]);
  });
});
