import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { GantryError } from "@/lib/errors";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { OPEN_PULL_REQUEST_RETRIES } from "@/lib/jobs/boss";
import { runOpenPullRequestJob } from "@/lib/jobs/worker";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import {
  type OpenPullRequestStep,
  openPromotionPullRequest,
} from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { transition } from "@/lib/promotion/transitions";
import { appFiles } from "@/test/catalogue/gitops-fixture";
import {
  ALICE,
  BOB,
  createPromotionWorld,
  OSCAR,
  type PromotionWorld,
  VICKY,
} from "@/test/promotion/support";

/** prod needs one approval; dev and staging none. */
const ENVIRONMENTS = `environments:
  - name: dev
    displayName: Development
    clusters:
      - name: dev-eu-1
  - name: staging
    displayName: Staging
    clusters:
      - name: staging-eu-1
  - name: prod
    displayName: Production
    clusters:
      - name: prod-eu-1
    policy:
      approvals: 1
`;

class InjectedCrash extends Error {}

async function refusal(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

/**
 * The audit chain records exactly what happened: each change and its event
 * commit together, so a promotion that fails at any step leaves the events
 * of the steps that committed, and none of the step that rolled back.
 */
describe("audit events and their transactions", () => {
  let w: PromotionWorld;
  let app = 0;
  const nextApp = () => `svc-${app++}`;

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 1 });
    const files: Record<string, string> = { "environments.yaml": ENVIRONMENTS };
    for (let i = 0; i < 12; i++) {
      Object.assign(
        files,
        appFiles(`svc-${i}`, "payments", { dev: "2.0.0", staging: "1.9.0", prod: "1.8.0" }),
      );
    }
    w.repo.commit(files, "environments with a prod policy");
    await w.importNow();
  });
  afterAll(async () => {
    if (w) expect((await verifyAuditChain({ db: w.db, principal: OPERATOR })).ok).toBe(true);
    await w?.close();
  });

  const request = (application: string, environment = "staging") =>
    requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application,
      environment,
      reason: "ready",
    });
  const open = (promotionId: string, afterStep?: (step: OpenPullRequestStep) => void) =>
    openPromotionPullRequest({ ctx: w.ctx, promotionId, afterStep });
  /** The promotion's audit events, in chain order. */
  const audit = async (promotionId: string) =>
    (
      await w.db.auditEvent.findMany({
        where: { promotionId },
        orderBy: { sequence: "asc" },
      })
    ).map((event) => event.action);
  const applicationEvents = (application: string) =>
    w.db.auditEvent.count({ where: { application } });

  it("records each transition once, in the transaction that makes it, with who and what", async () => {
    const application = nextApp();
    const { promotion } = await request(application);
    await open(promotion.id);
    const merged = await mergePromotion({
      ctx: w.ctx,
      promotionId: promotion.id,
      principal: ALICE,
    });
    expect(await audit(promotion.id)).toEqual([
      "promotion.planned",
      "promotion.pr_open",
      "promotion.merged",
    ]);
    const events = await w.db.auditEvent.findMany({
      where: { promotionId: promotion.id },
      orderBy: { sequence: "asc" },
    });
    expect(events[0]).toMatchObject({
      actorKind: "person",
      actorId: ALICE.id,
      actorName: ALICE.name,
      targetType: "promotion",
      targetId: promotion.id,
      application,
      team: "payments",
      environment: "staging",
      outcome: "success",
      detail: expect.objectContaining({ from: null, to: "planned", version: "2.0.0" }),
    });
    expect(events[2]?.detail).toMatchObject({
      from: "pr_open",
      to: "merged",
      mergeCommit: merged.mergeCommit,
      prNumber: expect.any(Number),
    });
    // The promotion's history is these audit events, not a second record of them.
    const history = await listPromotionEvents({ db: w.db, promotionId: promotion.id });
    expect(history.map((e) => e.id)).toEqual(events.map((e) => e.id));
  });

  it.each([
    ["branch", ["promotion.planned"]],
    ["commit", ["promotion.planned"]],
    ["pull_request", ["promotion.planned"]],
    ["recorded", ["promotion.planned", "promotion.pr_open"]],
  ] as const)(
    "a job crashing after the %s step leaves only what committed; the rerun adds pr_open once",
    async (step, afterCrash) => {
      const { promotion } = await request(nextApp());
      const crash = await open(promotion.id, (reached) => {
        if (reached === step) throw new InjectedCrash(`crash after ${step}`);
      }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(crash).toBeInstanceOf(InjectedCrash);
      expect(await audit(promotion.id)).toEqual(afterCrash);
      await open(promotion.id);
      expect(await audit(promotion.id)).toEqual(["promotion.planned", "promotion.pr_open"]);
    },
  );

  it("a Git error: nothing while pg-boss retries, then promotion.failed with the reason", async () => {
    const { promotion } = await request(nextApp());
    class HostDown extends LocalGitProvider {
      override async getBranch(): Promise<string | null> {
        throw new GantryError("unavailable", "the host is down", { system: "git" });
      }
    }
    const ctx = {
      ...w.ctx,
      git: new HostDown({
        dataDir: w.repo.dataDir,
        repository: "gitops",
        defaultBranch: "main",
        db: w.db,
      }),
    };
    const job = { id: "job-git", data: { promotionId: promotion.id } };
    await expect(runOpenPullRequestJob(ctx, { ...job, retryCount: 0 })).rejects.toThrow(
      /host is down/,
    );
    expect(await audit(promotion.id)).toEqual(["promotion.planned"]);
    await runOpenPullRequestJob(ctx, { ...job, retryCount: OPEN_PULL_REQUEST_RETRIES.retryLimit });
    expect(await audit(promotion.id)).toEqual(["promotion.planned", "promotion.failed"]);
    const failed = await w.db.auditEvent.findFirstOrThrow({
      where: { promotionId: promotion.id, action: "promotion.failed" },
    });
    expect(failed).toMatchObject({
      outcome: "failure",
      actorName: "Gantry",
      detail: expect.objectContaining({
        from: "planned",
        to: "failed",
        failureReason: "git: the host is down",
      }),
    });
  });

  it("a policy refusal: the merge is refused and no promotion.merged is recorded", async () => {
    const { promotion } = await request(nextApp(), "prod");
    await open(promotion.id);
    const refused = await refusal(
      mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: BOB }),
    );
    expect(refused.message).toMatch(/the prod policy is not satisfied yet/);
    expect(await audit(promotion.id)).toEqual(["promotion.planned", "promotion.pr_open"]);
    const state = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    expect(state.state).toBe("pr_open");
  });

  it("a permission refusal records no promotion: neither the request nor a merge", async () => {
    const application = nextApp();
    const before = await applicationEvents(application);
    const refused = await refusal(
      requestPromotion({
        ctx: w.ctx,
        principal: OSCAR,
        application,
        environment: "staging",
        reason: "mine",
      }),
    );
    expect(refused.code).toBe("forbidden");
    expect(await applicationEvents(application)).toBe(before);
    expect(await w.db.promotion.count({ where: { application: { slug: application } } })).toBe(0);

    const { promotion } = await request(application);
    await open(promotion.id);
    expect(
      (await refusal(mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: VICKY })))
        .code,
    ).toBe("forbidden");
    expect(await audit(promotion.id)).toEqual(["promotion.planned", "promotion.pr_open"]);
  });

  it("a transaction that rolls back after a transition takes its event with it, leaving no gap", async () => {
    const { promotion } = await request(nextApp());
    const last = await w.db.auditEvent.findFirstOrThrow({ orderBy: { sequence: "desc" } });
    await expect(
      w.db.$transaction(async (tx) => {
        await transition({
          tx,
          promotionId: promotion.id,
          to: "closed",
          actor: ALICE,
          detail: "closing",
        });
        throw new InjectedCrash("crash before commit");
      }),
    ).rejects.toThrow(InjectedCrash);
    expect(await audit(promotion.id)).toEqual(["promotion.planned"]);
    expect((await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } })).state).toBe(
      "planned",
    );
    // The next event takes the next sequence: nothing was burnt by the rollback.
    await w.db.$transaction((tx) =>
      transition({ tx, promotionId: promotion.id, to: "closed", actor: ALICE, detail: "closing" }),
    );
    const closed = await w.db.auditEvent.findFirstOrThrow({
      where: { promotionId: promotion.id, action: "promotion.closed" },
    });
    expect(closed.sequence).toBe(last.sequence + 1n);
  });
});
