import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as requestPromotionRoute } from "@/app/api/v1/promotions/route";
import { createApiToken } from "@/lib/people/create-api-token";
import {
  ALICE,
  createPromotionWorld,
  type PromotionWorld,
  serveWorld,
  VICKY,
} from "@/test/promotion/support";

/** A refused request is a change of its own: one `permission.denied` event, outcome denied. */
describe("permission denials in the audit chain", () => {
  let w: PromotionWorld;
  let unserve: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 3 });
    unserve = serveWorld(w);
  });
  afterAll(async () => {
    await unserve?.();
    await w?.close();
  });

  const ask = (token: string) =>
    requestPromotionRoute(
      new Request("https://gantry.example.com/api/v1/promotions", {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          // As Gantry's server resolved it; the forged header beside it is not believed.
          "x-gantry-client-address": "203.0.113.9",
          "x-forwarded-for": "198.51.100.66",
        },
        body: JSON.stringify({ app: "app-0", environment: "prod", reason: "try it" }),
      }),
      { params: Promise.resolve({}) },
    );
  const denials = () =>
    w.db.auditEvent.findMany({
      where: { action: "permission.denied" },
      orderBy: { sequence: "asc" },
      select: { actorName: true, outcome: true, sourceAddress: true, detail: true },
    });

  it("records who was refused what, from where, and why", async () => {
    const { token } = await createApiToken({
      db: w.db,
      acting: VICKY,
      kind: "personal",
      name: "vicky writes",
      scopes: ["promotions:read", "promotions:write"],
    });
    const response = await ask(token);
    expect(response.status).toBe(403);
    const events = await denials();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorName: VICKY.name,
      outcome: "denied",
      sourceAddress: "203.0.113.9",
      detail: { permission: "promotion:request", request: "POST /api/v1/promotions" },
    });
  });

  it("records nothing for a request that is allowed", async () => {
    const { token } = await createApiToken({
      db: w.db,
      acting: ALICE,
      kind: "personal",
      name: "alice writes",
      scopes: ["promotions:read", "promotions:write"],
    });
    const before = (await denials()).length;
    const response = await ask(token);
    expect(response.status).toBeLessThan(300);
    expect(await denials()).toHaveLength(before);
  });
});
