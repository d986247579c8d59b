import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBody } from "@/lib/git/github/webhook";
import { JOBS_SCHEMA, QUEUES, startBoss } from "@/lib/jobs/boss";
import { stopSendingQueue } from "@/lib/jobs/queue";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";

/**
 * With the local provider the GitOps repository lives in Gantry, so no
 * GitHub delivery is about it, even one for a GitHub repository of the same
 * name: it is answered 202, recorded as ignored, and changes nothing.
 */

const SECRET = "webhook-secret-for-local-tests";
const saved: Record<string, string | undefined> = {};
let w: PromotionWorld;
let POST: (request: Request, context: unknown) => Promise<Response>;

beforeAll(async () => {
  w = await createPromotionWorld({ apps: 1 });
  const env = {
    DATABASE_URL: w.url,
    GANTRY_GIT_PROVIDER: "local",
    GANTRY_GITOPS_REPO: "gitops",
    GANTRY_GITHUB_WEBHOOK_SECRET: SECRET,
    GANTRY_GITHUB_OWNER: undefined,
    GANTRY_GITHUB_REPO: undefined,
  };
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  ({ POST } = await import("@/app/api/webhooks/github/route"));
});

afterAll(async () => {
  await stopSendingQueue();
  await globalThis.gantryDb?.$disconnect();
  globalThis.gantryDb = undefined;
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await w?.close();
});

function signed(event: string, payload: unknown): Request {
  const body = JSON.stringify(payload);
  return new Request("http://gantry.test/api/webhooks/github", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signBody(SECRET, body),
    },
    body,
  });
}

describe("GitHub webhooks with the local provider", () => {
  it("a delivery for some owner's repository of the same name changes nothing", async () => {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "prod",
      reason: "local promotion",
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    const before = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    if (before.prNumber === null || before.headCommit === null) throw new Error("no pull request");
    const number = before.prNumber;
    const pullRequest = (merged: boolean) => ({
      action: "closed",
      number,
      repository: { full_name: "someone/gitops" },
      pull_request: {
        number,
        state: "closed",
        merged,
        merge_commit_sha: merged ? "f".repeat(40) : null,
        head: { ref: before.branch, sha: before.headCommit },
        base: { ref: "main" },
      },
    });
    const deliveries = [
      signed("pull_request", pullRequest(true)),
      signed("pull_request", pullRequest(false)),
      signed("pull_request_review", {
        action: "submitted",
        repository: { full_name: "someone/gitops" },
        pull_request: { number },
        review: {
          id: 1,
          state: "approved",
          user: { login: "mallory" },
          commit_id: before.headCommit,
        },
      }),
    ];
    for (const request of deliveries) {
      const id = request.headers.get("x-github-delivery") ?? "";
      const response = await POST(request, {});
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining("not on GitHub"),
      });
      expect(await w.db.webhookDelivery.findUnique({ where: { id } })).toMatchObject({
        ignored: expect.stringContaining("not on GitHub"),
      });
    }

    const after = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    expect(after).toMatchObject({ state: "pr_open", mergeCommit: null, endedAt: null });
    expect(await w.db.approval.count({ where: { promotionId: promotion.id } })).toBe(0);
    // Nothing waits to be applied later either.
    const boss = await startBoss(w.url);
    try {
      const queued = await w.db.$queryRawUnsafe<{ count: bigint }[]>(
        `SELECT count(*) AS count FROM ${JOBS_SCHEMA}.job WHERE name = $1`,
        QUEUES.hostChange,
      );
      expect(Number(queued[0]?.count)).toBe(0);
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });
});
