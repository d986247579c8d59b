import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as close from "@/app/api/v1/promotions/[id]/close/route";
import * as merge from "@/app/api/v1/promotions/[id]/merge/route";
import * as retry from "@/app/api/v1/promotions/[id]/retry/route";
import * as one from "@/app/api/v1/promotions/[id]/route";
import * as collection from "@/app/api/v1/promotions/route";
import { createApiToken } from "@/lib/people/create-api-token";
import { revokeApiToken } from "@/lib/people/revoke-api-token";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { BOB, createPromotionWorld, type PromotionWorld, serveWorld } from "./support";

/**
 * The REST API through its route handlers, with the server's configuration
 * pointed at this test's database and repository.
 */
describe("/api/v1/promotions", () => {
  let w: PromotionWorld;
  let token: string;
  let readOnly: string;
  let unserve: (() => Promise<void>) | undefined;

  const call = (
    handler: (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>,
    init: {
      method?: string;
      path?: string;
      body?: unknown;
      auth?: string | null;
      id?: string;
    } = {},
  ) => {
    const headers = new Headers({ "content-type": "application/json" });
    const auth = init.auth === undefined ? `Bearer ${token}` : init.auth;
    if (auth !== null) headers.set("authorization", auth);
    const request = new Request(`http://gantry.test${init.path ?? "/api/v1/promotions"}`, {
      method: init.method ?? "GET",
      headers,
      body:
        init.body === undefined
          ? undefined
          : typeof init.body === "string"
            ? init.body
            : JSON.stringify(init.body),
    });
    return handler(request, { params: Promise.resolve({ id: init.id ?? "" }) });
  };
  const json = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & {
      error?: { code: string; message: string; details?: { errors?: { field: string }[] } };
    },
  });

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 3 });
    unserve = serveWorld(w);
    ({ token } = await createApiToken({ db: w.db, acting: "system", kind: "ci", name: "ci" }));
    ({ token: readOnly } = await createApiToken({
      db: w.db,
      acting: "system",
      kind: "ci",
      name: "dashboard",
      scopes: ["promotions:read"],
    }));
  });
  afterAll(async () => {
    await unserve?.();
    await w?.close();
  });

  describe("authentication", () => {
    it("refuses a request without a token", async () => {
      const { status, body } = await json(await call(collection.GET, { auth: null }));
      expect(status).toBe(401);
      expect(body.error?.code).toBe("unauthenticated");
      expect(body.error?.message).toContain("Authorization: Bearer");
    });

    it("refuses a malformed and an unknown token without echoing it", async () => {
      for (const auth of [
        "Basic dXNlcjpwYXNz",
        "Bearer gantry_short",
        `Bearer gantry_${"A".repeat(43)}`,
      ]) {
        const response = await call(collection.GET, { auth });
        const text = await response.text();
        expect(response.status).toBe(401);
        expect(text).not.toContain("dXNlcjpwYXNz");
        expect(text).not.toContain("A".repeat(43));
      }
    });

    it("refuses a revoked token", async () => {
      const created = await createApiToken({ db: w.db, acting: "system", kind: "ci", name: "old" });
      expect((await call(collection.GET, { auth: `Bearer ${created.token}` })).status).toBe(200);
      await revokeApiToken({ db: w.db, acting: "system", id: created.id });
      const { status, body } = await json(
        await call(collection.GET, { auth: `Bearer ${created.token}` }),
      );
      expect(status).toBe(401);
      expect(body.error?.message).toBe("the API token was revoked");
    });

    it("refuses a write with a read-only token (403) and records when a token was used", async () => {
      const { status } = await json(
        await call(collection.POST, {
          method: "POST",
          auth: `Bearer ${readOnly}`,
          body: { app: "app-0", environment: "prod", reason: "x" },
        }),
      );
      expect(status).toBe(403);
      const used = await w.db.apiToken.findFirstOrThrow({ where: { name: "dashboard" } });
      expect(used.lastUsedAt).not.toBeNull();
    });

    it("stores only the token's hash", async () => {
      const rows = await w.db.apiToken.findMany({ select: { tokenHash: true } });
      expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.tokenHash))).toBe(true);
      expect(rows.some((row) => row.tokenHash === token)).toBe(false);
    });
  });

  describe("validation", () => {
    it("names the missing field", async () => {
      const { status, body } = await json(
        await call(collection.POST, {
          method: "POST",
          body: { app: "app-0", environment: "prod" },
        }),
      );
      expect(status).toBe(400);
      expect(body.error?.details?.errors?.map((e) => e.field)).toEqual(["reason"]);
      expect(body.error?.message).toContain("reason:");
    });

    it("names a field of the wrong type and an unknown field", async () => {
      const { status, body } = await json(
        await call(collection.POST, {
          method: "POST",
          body: {
            app: "app-0",
            environment: "prod",
            reason: "r",
            skipOrder: "yes",
            skiporder: true,
          },
        }),
      );
      expect(status).toBe(400);
      expect(body.error?.details?.errors?.map((e) => e.field).sort()).toEqual([
        "skipOrder",
        "skiporder",
      ]);
    });

    it("refuses a body that is not JSON", async () => {
      const { status, body } = await json(
        await call(collection.POST, { method: "POST", body: "{not json" }),
      );
      expect(status).toBe(400);
      expect(body.error?.message).toBe("the body must be a JSON object");
    });

    it("refuses a NUL character inside a JSON string (Postgres cannot store it) with 400", async () => {
      const { status, body } = await json(
        await call(collection.POST, {
          method: "POST",
          body: '{"app":"app-0","environment":"staging","reason":"ship\\u0000it"}',
        }),
      );
      expect(status).toBe(400);
      expect(body.error?.message).toMatch(/reason: .*NUL/);
    });

    it("refuses bad list filters and maps domain refusals to their status", async () => {
      expect((await call(collection.GET, { path: "/api/v1/promotions?state=bogus" })).status).toBe(
        400,
      );
      expect((await call(collection.GET, { path: "/api/v1/promotions?size=1000" })).status).toBe(
        400,
      );
      const unknownApp = await json(
        await call(collection.POST, {
          method: "POST",
          body: { app: "nope", environment: "prod", reason: "r" },
        }),
      );
      expect(unknownApp.status).toBe(404);
      expect((await call(one.GET, { id: "not-a-uuid" })).status).toBe(404);
    });
  });

  it("creates, lists, reads, merges a promotion; closes and retries answer in state", async () => {
    const created = await json(
      await call(collection.POST, {
        method: "POST",
        body: { app: "app-0", environment: "prod", reason: "CI verified 1.1.0 in staging" },
      }),
    );
    expect(created.status).toBe(202);
    const promotion = created.body.promotion as { id: string; state: string; requestedBy: unknown };
    expect(promotion).toMatchObject({
      state: "planned",
      requestedBy: { name: "API token ci" },
    });

    const listed = await json(await call(collection.GET, { path: "/api/v1/promotions?app=app-0" }));
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ total: 1, page: 1, items: [{ id: promotion.id }] });

    // The job (not running in this test) opens the pull request.
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    const read = await json(await call(one.GET, { id: promotion.id }));
    expect(read.body).toMatchObject({ state: "pr_open", live: { ok: true } });

    const retried = await json(await call(retry.POST, { method: "POST", id: promotion.id }));
    expect(retried.status).toBe(409);

    // A CI token proposes but never merges: a person must.
    const refused = await json(await call(merge.POST, { method: "POST", id: promotion.id }));
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toBe(
      "an API token cannot do this (promotion:merge); a person must",
    );
    const merged = await mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: BOB });
    expect(merged).toMatchObject({ promotion: { state: "merged" }, catalogue: { queued: true } });

    const closed = await json(
      await call(close.POST, { method: "POST", id: promotion.id, body: { reason: "late" } }),
    );
    expect(closed.status).toBe(409);
  });
});
