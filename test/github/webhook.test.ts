import { randomUUID } from "node:crypto";
import fc from "fast-check";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BODY_BYTES, signBody } from "@/lib/git/github/webhook";
import { JOBS_SCHEMA, QUEUES, startBoss } from "@/lib/jobs/boss";
import type { HostChangeJob } from "@/lib/jobs/promotion-jobs";
import { stopSendingQueue } from "@/lib/jobs/queue";
import { startRepositoryWorkers } from "@/lib/jobs/worker";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, BOB, createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";

/**
 * The webhook route as GitHub calls it: signed deliveries in either of
 * GitHub's content types, any event name, bodies up to GitHub's 25 MB, only
 * the configured repository applied, and the work queued for the job runner
 * so the answer never waits for it. Real Postgres and a real pg-boss queue.
 */

const SECRET = "webhook-secret-for-tests";
const SHA = "a".repeat(40);
const saved: Record<string, string | undefined> = {};
let w: PromotionWorld;
let POST: (request: Request, context: unknown) => Promise<Response>;

beforeAll(async () => {
  w = await createPromotionWorld({ apps: 2 });
  const env = {
    DATABASE_URL: w.url,
    GANTRY_GIT_PROVIDER: "github",
    GANTRY_GITHUB_TOKEN: "ghp_not_used_by_the_route",
    GANTRY_GITHUB_WEBHOOK_SECRET: SECRET,
    GANTRY_GITHUB_OWNER: "acme",
    GANTRY_GITHUB_REPO: "gitops",
  };
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
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

function pullRequestPayload(params: { action?: string; number?: number; repository?: string }) {
  const number = params.number ?? 12;
  return {
    action: params.action ?? "closed",
    number,
    repository: { full_name: params.repository ?? "acme/gitops", id: 1 },
    sender: { login: "bob" },
    pull_request: {
      number,
      state: "closed",
      merged: true,
      merge_commit_sha: SHA,
      head: { ref: "gantry/promote/payments/prod/1.42.0", sha: "b".repeat(40) },
      base: { ref: "main", sha: "c".repeat(40) },
    },
  };
}

function delivery(params: {
  body: string;
  event?: string | null;
  id?: string | null;
  signature?: string | null;
  contentType?: string | null;
}): Request {
  const contentType = params.contentType === undefined ? "application/json" : params.contentType;
  const headers = new Headers(contentType === null ? {} : { "content-type": contentType });
  const event = params.event === undefined ? "pull_request" : params.event;
  const id = params.id === undefined ? randomUUID() : params.id;
  const signature =
    params.signature === undefined ? signBody(SECRET, params.body) : params.signature;
  if (event !== null) headers.set("x-github-event", event);
  if (id !== null) headers.set("x-github-delivery", id);
  if (signature !== null) headers.set("x-hub-signature-256", signature);
  return new Request("http://gantry.test/api/webhooks/github", {
    method: "POST",
    headers,
    body: params.body,
  });
}

/** GitHub's default content type: the JSON in a form's `payload` field. */
function formBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The host-change jobs queued for a delivery, in the order they were sent. */
async function queuedFor(deliveryId: string): Promise<HostChangeJob[]> {
  const exists = await w.db.$queryRawUnsafe<{ table: string | null }[]>(
    `SELECT to_regclass('${JOBS_SCHEMA}.job')::text AS table`,
  );
  if (!exists[0]?.table) return [];
  const rows = await w.db.$queryRawUnsafe<{ data: HostChangeJob }[]>(
    `SELECT data FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND data->>'deliveryId' = $2 ORDER BY created_on`,
    QUEUES.hostChange,
    deliveryId,
  );
  return rows.map((row) => row.data);
}

async function deliveryRow(id: string) {
  return w.db.webhookDelivery.findUnique({ where: { id } });
}

async function deliveries(): Promise<number> {
  return w.db.webhookDelivery.count();
}

describe("POST /api/webhooks/github", () => {
  it("accepts a signed JSON delivery: recorded, its change queued for the job runner, 202", async () => {
    const id = randomUUID();
    const response = await POST(delivery({ body: JSON.stringify(pullRequestPayload({})), id }), {});
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: "queued", delivery: id });
    expect(await queuedFor(id)).toEqual([
      {
        deliveryId: id,
        change: { kind: "merged", pullRequest: 12, mergeCommit: SHA, mergedAt: null },
      },
    ]);
    expect(await deliveryRow(id)).toMatchObject({ event: "pull_request", ignored: null });
  });

  it("accepts GitHub's default form encoding (payload=…), the signature checked over the form's bytes", async () => {
    const id = randomUUID();
    const payload = pullRequestPayload({ action: "closed" });
    const form = formBody(payload);
    const response = await POST(
      delivery({ body: form, id, contentType: "application/x-www-form-urlencoded" }),
      {},
    );
    expect(response.status).toBe(202);
    expect(await queuedFor(id)).toEqual([
      {
        deliveryId: id,
        change: { kind: "merged", pullRequest: 12, mergeCommit: SHA, mergedAt: null },
      },
    ]);

    // Signed over the JSON inside rather than the bytes sent: not GitHub's signature.
    const before = await deliveries();
    const overJson = await POST(
      delivery({
        body: form,
        signature: signBody(SECRET, JSON.stringify(payload)),
        contentType: "application/x-www-form-urlencoded",
      }),
      {},
    );
    expect(overJson.status).toBe(401);
    const noPayload = await POST(
      delivery({ body: "zen=simple", contentType: "application/x-www-form-urlencoded" }),
      {},
    );
    expect(noPayload.status).toBe(400);
    expect(await noPayload.json()).toMatchObject({ error: { message: /payload field/ } });
    const plain = await POST(
      delivery({ body: JSON.stringify(payload), contentType: "text/plain" }),
      {},
    );
    expect(plain.status).toBe(415);
    expect(await deliveries()).toBe(before);
  });

  it("queues the change of every event Gantry acts on", async () => {
    const payloads: Record<string, [unknown, unknown]> = {
      pull_request_review: [
        {
          action: "submitted",
          repository: { full_name: "acme/gitops" },
          pull_request: { number: 3 },
          review: { id: 9, state: "approved", user: { login: "bob" }, commit_id: SHA },
        },
        {
          kind: "reviews",
          pullRequest: 3,
          headSha: null,
          reviews: [
            {
              id: "9",
              reviewer: "bob",
              state: "approved",
              body: "",
              commitSha: SHA,
              submittedAt: null,
            },
          ],
        },
      ],
      push: [
        {
          ref: "refs/heads/main",
          before: "0".repeat(40),
          after: SHA,
          repository: { full_name: "acme/gitops" },
          commits: [{ id: SHA, added: ["apps/new/app.yaml"], modified: [], removed: [] }],
        },
        { kind: "default_branch_pushed", after: SHA },
      ],
      check_suite: [
        {
          action: "completed",
          repository: { full_name: "acme/gitops" },
          check_suite: { head_sha: SHA, status: "completed", conclusion: "success" },
        },
        { kind: "checks_changed", sha: SHA },
      ],
      status: [
        {
          sha: SHA,
          state: "success",
          context: "ci/lint",
          target_url: null,
          repository: { full_name: "acme/gitops" },
        },
        { kind: "checks_changed", sha: SHA },
      ],
    };
    for (const [event, [payload, change]] of Object.entries(payloads)) {
      const id = randomUUID();
      const response = await POST(delivery({ body: JSON.stringify(payload), event, id }), {});
      expect(response.status, event).toBe(202);
      expect(await queuedFor(id), event).toEqual([{ deliveryId: id, change }]);
    }
  });

  it("accepts any event name, digits included, and ignores those it does not use: 202, recorded as ignored, nothing queued", async () => {
    const unused: [string, unknown][] = [
      ["projects_v2_item", { action: "edited", projects_v2_item: { id: 1 } }],
      ["security_and_analysis", { changes: {}, repository: { full_name: "acme/gitops" } }],
      ["ping", { zen: "Keep it simple.", hook_id: 1 }],
      // An event Gantry reads, with an action that concerns nothing it keeps.
      [
        "pull_request",
        {
          ...pullRequestPayload({ action: "labeled" }),
          pull_request: {
            ...pullRequestPayload({}).pull_request,
            state: "open",
            merged: false,
            merge_commit_sha: null,
          },
        },
      ],
      // A push to another branch (Gantry's own promotion branches among them).
      [
        "push",
        {
          ref: "refs/heads/gantry/promote/x",
          before: "0".repeat(40),
          after: SHA,
          repository: { full_name: "acme/gitops" },
        },
      ],
    ];
    for (const [event, payload] of unused) {
      const id = randomUUID();
      const response = await POST(delivery({ body: JSON.stringify(payload), event, id }), {});
      expect(response.status, event).toBe(202);
      expect(await response.json(), event).toMatchObject({
        status: "ignored",
        delivery: id,
        event,
      });
      expect((await deliveryRow(id))?.ignored, event).toEqual(expect.any(String));
      expect(await queuedFor(id), event).toEqual([]);
    }
    const before = await deliveries();
    for (const event of ["x".repeat(101), "push;drop", "", "pull request"]) {
      const response = await POST(delivery({ body: "{}", event }), {});
      expect(response.status, JSON.stringify(event)).toBe(400);
    }
    expect(await deliveries()).toBe(before);
  });

  it("applies only the configured repository, matched without case as GitHub does: others are 202 and ignored", async () => {
    for (const repository of ["acme/website", "someone-else/gitops", "acme/gitops-archive"]) {
      const id = randomUUID();
      const response = await POST(
        delivery({ body: JSON.stringify(pullRequestPayload({ repository })), id }),
        {},
      );
      expect(response.status, repository).toBe(202);
      expect(await response.json(), repository).toMatchObject({
        status: "ignored",
        reason: expect.stringContaining(repository),
      });
      expect(await queuedFor(id), repository).toEqual([]);
    }
    const id = randomUUID();
    const sameRepository = await POST(
      delivery({ body: JSON.stringify(pullRequestPayload({ repository: "ACME/GitOps" })), id }),
      {},
    );
    expect(sameRepository.status).toBe(202);
    expect(await queuedFor(id)).toHaveLength(1);
  });

  it("rejects a wrong or missing signature with 401 and stores nothing", async () => {
    const before = await deliveries();
    const body = JSON.stringify(pullRequestPayload({}));
    const wrongSecret = await POST(
      delivery({ body, signature: signBody("another-secret", body) }),
      {},
    );
    const tampered = await POST(
      delivery({ body: body.replace("closed", "opened"), signature: signBody(SECRET, body) }),
      {},
    );
    const missing = await POST(delivery({ body, signature: null }), {});
    const sha1 = await POST(delivery({ body, signature: `sha1=${"0".repeat(40)}` }), {});
    for (const response of [wrongSecret, tampered, missing, sha1]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "unauthenticated" } });
    }
    expect(await deliveries()).toBe(before);
  });

  it("ignores a replayed delivery: 200, queued once", async () => {
    const id = randomUUID();
    const body = JSON.stringify(pullRequestPayload({}));
    const first = await POST(delivery({ body, id }), {});
    const replay = await POST(delivery({ body, id }), {});
    expect(first.status).toBe(202);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ status: "duplicate", delivery: id });
    expect(await queuedFor(id)).toHaveLength(1);
  });

  it("accepts a body of nearly 25 MB and refuses a larger one with 413, declared or streamed", async () => {
    // A large push: GitHub caps payloads at 25 MB.
    const id = randomUUID();
    const large = JSON.stringify({
      ref: "refs/heads/main",
      before: "0".repeat(40),
      after: SHA,
      repository: { full_name: "acme/gitops" },
      padding: "x".repeat(MAX_WEBHOOK_BODY_BYTES - 1024),
    });
    expect(Buffer.byteLength(large)).toBeGreaterThan(20 * 1024 * 1024);
    const accepted = await POST(delivery({ body: large, event: "push", id }), {});
    expect(accepted.status).toBe(202);
    expect(await queuedFor(id)).toEqual([
      { deliveryId: id, change: { kind: "default_branch_pushed", after: SHA } },
    ]);

    const before = await deliveries();
    const big = `{"padding":"${"x".repeat(MAX_WEBHOOK_BODY_BYTES)}"}`;
    const declared = await POST(delivery({ body: big }), {});
    expect(declared.status).toBe(413);

    // A chunked body with no Content-Length: the limit is on the bytes read.
    const chunk = new Uint8Array(256 * 1024).fill(120);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * MAX_WEBHOOK_BODY_BYTES) controller.close();
        else {
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        }
      },
    });
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signBody(SECRET, "whatever"),
      },
      body: stream,
      duplex: "half",
    };
    const streamed = await POST(new Request("http://gantry.test/api/webhooks/github", init), {});
    expect(streamed.status).toBe(413);
    // It stopped reading soon after the limit instead of draining the rest.
    expect(sent).toBeLessThan(MAX_WEBHOOK_BODY_BYTES + 3 * chunk.byteLength);
    expect(await deliveries()).toBe(before);
  });

  it("answers before the work is done: the promotion moves only when the job runner applies the queued change", async () => {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "prod",
      reason: "merged on the host",
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    const opened = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    if (opened.prNumber === null || opened.headCommit === null) throw new Error("no pull request");
    const { sha } = await w.provider.mergePullRequest({
      number: opened.prNumber,
      expectedHeadSha: opened.headCommit,
      method: "merge",
      message: "merged on the host",
      mergedBy: BOB,
    });
    const payload = pullRequestPayload({ number: opened.prNumber });
    payload.pull_request.merge_commit_sha = sha;
    const id = randomUUID();

    const response = await POST(delivery({ body: JSON.stringify(payload), id }), {});
    expect(response.status).toBe(202);
    // Answered, and nothing applied yet: the change waits in the queue.
    expect((await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } })).state).toBe(
      "pr_open",
    );
    expect(await queuedFor(id)).toHaveLength(1);

    const boss: PgBoss = await startBoss(w.url, { spies: true });
    try {
      const spy = boss.getSpy<HostChangeJob>(QUEUES.hostChange);
      await startRepositoryWorkers({ boss, ctx: w.ctx, pollingIntervalSeconds: 0.5 });
      await spy.waitForJob((data) => data.deliveryId === id, "completed");
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
    const merged = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    expect(merged).toMatchObject({ state: "merged", mergeCommit: sha });
    // The merge queued the catalogue import (a job of its own); run it as its worker would.
    expect(w.jobs.catalogueImports.at(-1)).toMatch(/^pull request #\d+ merged$/);
    await w.importNow();
    const target = await w.db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "app-0" }, environment: { name: "prod" } },
    });
    expect(target.desiredVersion).toBe("1.1.0");
  });

  it("never answers 500 to 1,000 malformed deliveries", async () => {
    const events = [
      "pull_request",
      "pull_request_review",
      "push",
      "check_suite",
      "status",
      "ping",
      "projects_v2_item",
      "",
      "PUSH",
    ];
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      // Right shape, wrong details: the parser has to look closely.
      fc
        .record({
          action: fc.oneof(fc.string(), fc.integer()),
          number: fc.oneof(fc.integer(), fc.string()),
          repository: fc.oneof(
            fc.constant(null),
            fc.record({ full_name: fc.oneof(fc.string(), fc.integer()) }),
          ),
          pull_request: fc.oneof(
            fc.constant({}),
            fc.record({ number: fc.integer(), state: fc.string() }),
          ),
          sha: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), fc.string()),
          state: fc.string(),
          commits: fc.array(fc.anything(), { maxLength: 3 }),
        })
        .map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    );
    const contentTypes = fc.constantFrom(
      "application/json",
      "application/x-www-form-urlencoded",
      "application/json; charset=utf-8",
      null,
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom(...events),
        fc.oneof(fc.constant("valid"), fc.constant("missing"), fc.string()),
        fc.oneof(fc.uuid(), fc.string()),
        contentTypes,
        fc.boolean(),
        async (payload, event, signature, id, contentType, asForm) => {
          const sent = asForm ? `payload=${encodeURIComponent(payload)}` : payload;
          const request = delivery({
            body: sent,
            event,
            id,
            contentType,
            signature:
              signature === "valid" ? undefined : signature === "missing" ? null : signature,
          });
          const response = await POST(request, {});
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
