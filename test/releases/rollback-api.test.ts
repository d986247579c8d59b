import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as appHolds from "@/app/api/v1/apps/[slug]/holds/route";
import * as appRollback from "@/app/api/v1/apps/[slug]/rollback/route";
import * as holdRelease from "@/app/api/v1/holds/[id]/release/route";
import { runHold, runRollback } from "@/cli/rollback-command";
import { createApiToken } from "@/lib/people/create-api-token";
import { isVersionHeld } from "@/lib/releases/holds";
import { listReleaseProgress } from "@/lib/releases/list-release-progress";
import { registerRelease } from "@/lib/releases/register-release";
import {
  ADA,
  ALICE,
  BOB,
  createPromotionWorld,
  OSCAR,
  type PromotionWorld,
  serveWorld,
  VICKY,
} from "@/test/promotion/support";
import { deliver, setPolicies } from "./rollback-support";

interface Answer {
  status: number;
  body: {
    error?: { code: string; message: string; details?: Record<string, unknown> };
    [key: string]: unknown;
  };
  location: string | null;
}

/** GET/POST /api/v1/apps/{slug}/rollback, GET /api/v1/apps/{slug}/holds and POST /api/v1/holds/{id}/release. */
describe("rollback and holds over the API and the CLI", () => {
  let w: PromotionWorld;
  let unserve: (() => Promise<void>) | undefined;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 2 });
    unserve = serveWorld(w);
    for (const person of [ALICE, BOB, OSCAR, VICKY, ADA]) {
      tokens[person.name] = (
        await createApiToken({ db: w.db, acting: person, kind: "personal", name: "api test" })
      ).token;
    }
    tokens.deployer = (
      await createApiToken({ db: w.db, acting: "system", kind: "ci", name: "deployer" })
    ).token;
    tokens.reader = (
      await createApiToken({
        db: w.db,
        acting: "system",
        kind: "ci",
        name: "reader",
        scopes: ["promotions:read"],
      })
    ).token;
    await deliver(w, { app: "app-0", environment: "staging", version: "1.2.0" });
    await deliver(w, { app: "app-0", environment: "staging", version: "1.3.0" });
    // CI registered 1.3.0, so the app page lists it (and says when it is held).
    await registerRelease({
      db: w.db,
      jobs: { requestProgression: async () => undefined },
      principal: ALICE,
      input: { app: "app-0", version: "1.3.0" },
    });
  });
  afterAll(async () => {
    await unserve?.();
    await w?.close();
  });

  /** Routes the request as Next would, by path, to the route modules under test. */
  async function handle(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const app = /^\/api\/v1\/apps\/([^/]+)\/(rollback|holds)$/.exec(pathname);
    if (app?.[1] && app[2] === "rollback") {
      const context = { params: Promise.resolve({ slug: decodeURIComponent(app[1]) }) };
      return request.method === "POST"
        ? appRollback.POST(request, context)
        : appRollback.GET(request, context);
    }
    if (app?.[1] && app[2] === "holds") {
      return appHolds.GET(request, {
        params: Promise.resolve({ slug: decodeURIComponent(app[1]) }),
      });
    }
    const hold = /^\/api\/v1\/holds\/([^/]+)\/release$/.exec(pathname);
    if (hold?.[1]) {
      return holdRelease.POST(request, {
        params: Promise.resolve({ id: decodeURIComponent(hold[1]) }),
      });
    }
    return Response.json({ error: { code: "not_found", message: "no route" } }, { status: 404 });
  }

  async function call(
    method: "GET" | "POST",
    path: string,
    token: string,
    body?: unknown,
  ): Promise<Answer> {
    const response = await handle(
      new Request(`http://gantry.test${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    return {
      status: response.status,
      body: (await response.json()) as Answer["body"],
      location: response.headers.get("location"),
    };
  }

  const held = (environment: string, version: string) =>
    isVersionHeld({ db: w.db, application: "app-0", environment, version });

  it("proposes the rollback to anyone who reads, naming a missing environment or unknown app", async () => {
    const proposal = await call(
      "GET",
      "/api/v1/apps/app-0/rollback?environment=staging",
      tokens.reader ?? "",
    );
    expect(proposal.status).toBe(200);
    expect(proposal.body).toMatchObject({
      application: "app-0",
      environment: "staging",
      currentVersion: "1.3.0",
      version: "1.2.0",
      valuesPath: "apps/app-0/envs/staging/values.yaml",
    });
    expect(proposal.body.diff).toMatch(/^\+.*tag: "?1\.2\.0/m);
    expect(proposal.body).not.toHaveProperty("plan");

    const missing = await call("GET", "/api/v1/apps/app-0/rollback", tokens.reader ?? "");
    expect(missing.status).toBe(400);
    expect(missing.body.error?.message).toContain("environment");
    const unknown = await call(
      "GET",
      "/api/v1/apps/no-such-app/rollback?environment=staging",
      tokens.reader ?? "",
    );
    expect(unknown.status).toBe(404);
    // Nothing was asked for.
    expect(await w.db.promotion.count({ where: { kind: "rollback" } })).toBe(0);
  });

  it("refuses a rollback to viewers, other teams and read-only tokens, and names a missing reason", async () => {
    const body = { environment: "staging", reason: "1.3.0 drops requests" };
    for (const token of [tokens[VICKY.name], tokens[OSCAR.name], tokens.reader]) {
      const refused = await call("POST", "/api/v1/apps/app-0/rollback", token ?? "", body);
      expect(refused.status).toBe(403);
    }
    const noReason = await call("POST", "/api/v1/apps/app-0/rollback", tokens[ALICE.name] ?? "", {
      environment: "staging",
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error?.message).toContain("reason");
    const stale = await call("POST", "/api/v1/apps/app-0/rollback", tokens[ALICE.name] ?? "", {
      ...body,
      version: "1.1.0",
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error?.message).toContain("now goes to 1.2.0");
    expect(await w.db.promotion.count({ where: { kind: "rollback" } })).toBe(0);
    expect(await held("staging", "1.3.0")).toBe(false);
  });

  it("rolls back, holds the version, and lets only an approver release the hold, once", async () => {
    const rolled = await call("POST", "/api/v1/apps/app-0/rollback", tokens[ALICE.name] ?? "", {
      environment: "staging",
      version: "1.2.0",
      reason: "1.3.0 drops requests",
    });
    expect(rolled.status).toBe(202);
    const promotion = rolled.body.promotion as { id: string };
    expect(rolled.body.promotion).toMatchObject({
      kind: "rollback",
      version: "1.2.0",
      previousVersion: "1.3.0",
    });
    expect(rolled.location).toBe(`/api/v1/promotions/${promotion.id}`);
    expect(await held("prod", "1.3.0")).toBe(true);
    const shownHeld = async () =>
      (await listReleaseProgress({ db: w.db, application: "app-0" })).find(
        (release) => release.version === "1.3.0",
      );
    expect(await shownHeld()).toMatchObject({ heldIn: "staging", demo: false });

    const holds = await call("GET", "/api/v1/apps/app-0/holds", tokens[VICKY.name] ?? "");
    expect(holds.status).toBe(200);
    expect(holds.body.items).toMatchObject([
      { environment: "staging", version: "1.3.0", rollbackPromotionId: promotion.id },
    ]);
    const holdId = (holds.body.items as { id: string }[])[0]?.id ?? "";
    expect((await call("GET", "/api/v1/apps/nope/holds", tokens[VICKY.name] ?? "")).status).toBe(
      404,
    );

    const release = (token: string | undefined, body: unknown, id = holdId) =>
      call("POST", `/api/v1/holds/${id}/release`, token ?? "", body);
    const reason = { reason: "the bug was in the config" };
    // The developer who rolled back is no approver; a CI token never releases a hold.
    expect((await release(tokens[ALICE.name], reason)).status).toBe(403);
    expect((await release(tokens.deployer, reason)).status).toBe(403);
    const empty = await release(tokens[BOB.name], { reason: " " });
    expect(empty.status).toBe(400);
    expect(empty.body.error?.message).toContain("say why");
    expect((await release(tokens[BOB.name], reason, "not-a-hold")).status).toBe(400);
    expect(
      (await release(tokens[BOB.name], reason, "00000000-0000-4000-8000-0000000000aa")).status,
    ).toBe(404);
    expect(await held("prod", "1.3.0")).toBe(true);

    const released = await release(tokens[BOB.name], reason);
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ id: holdId, version: "1.3.0", environment: "staging" });
    expect(await held("prod", "1.3.0")).toBe(false);
    expect((await shownHeld())?.heldIn).toBeNull();
    const again = await release(tokens[BOB.name], reason);
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toContain("released already");
    const event = await w.db.auditEvent.findFirstOrThrow({
      where: { action: "release.hold_released" },
    });
    expect(event).toMatchObject({ actorName: BOB.name, application: "app-0" });
  });

  it("takes a rollback during a freeze only with a written reason", async () => {
    await deliver(w, { app: "app-1", environment: "prod", version: "1.0.5" });
    await deliver(w, { app: "app-1", environment: "prod", version: "1.0.6" });
    await setPolicies(w, {
      prod: `freezes:
  - from: "2000-01-01T00:00:00Z"
    to: "2999-01-01T00:00:00Z"
    reason: Year-end freeze`,
    });
    const body = { environment: "prod", reason: "1.0.6 fails every login" };
    const refused = await call(
      "POST",
      "/api/v1/apps/app-1/rollback",
      tokens[ALICE.name] ?? "",
      body,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toContain("Year-end freeze");
    expect(refused.body.error?.details).toMatchObject({ field: "freezeReason" });
    const short = await call("POST", "/api/v1/apps/app-1/rollback", tokens[ALICE.name] ?? "", {
      ...body,
      freezeReason: "bad",
    });
    expect(short.status).toBe(400);

    const taken = await call("POST", "/api/v1/apps/app-1/rollback", tokens[ALICE.name] ?? "", {
      ...body,
      freezeReason: "logins fail for every customer",
    });
    expect(taken.status).toBe(202);
    expect(taken.body.promotion).toMatchObject({
      kind: "rollback",
      version: "1.0.5",
      breakGlassReason: "logins fail for every customer",
    });
  });

  it("works from the CLI over HTTP, saying what it did and what the portal refused", async () => {
    await deliver(w, { app: "app-0", environment: "dev", version: "1.4.0" });
    await deliver(w, { app: "app-0", environment: "dev", version: "1.5.0" });
    const server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const answer = await handle(
        new Request(`http://gantry.test${request.url}`, {
          method: request.method,
          headers: request.headers as Record<string, string>,
          ...(request.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
        }),
      );
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(await answer.text());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out: string[] = [];
    const said: string[] = [];
    const io = (args: string[], token: string | undefined) => ({
      args,
      env: { GANTRY_URL: url, GANTRY_TOKEN: token },
      out: (text: string) => out.push(text),
      progress: (text: string) => said.push(text),
    });
    try {
      expect(
        await runRollback(io(["--app", "app-0", "--env", "dev", "--dry-run"], tokens.reader)),
      ).toBe(0);
      expect(said.pop()).toContain("app-0 in dev would go from 1.5.0 back to 1.4.0");
      expect(await w.db.promotion.count({ where: { kind: "rollback", version: "1.4.0" } })).toBe(0);

      await expect(
        runRollback(io(["--app", "app-0", "--env", "dev"], tokens[ALICE.name])),
      ).rejects.toThrow("--reason: say why");
      await expect(
        runRollback(io(["--app", "app-0", "--env", "dev", "--reason", "500s"], tokens.reader)),
      ).rejects.toThrow("the portal answered 403");

      expect(
        await runRollback(
          io(
            ["--app", "app-0", "--env", "dev", "--reason", "500s since 1.5.0"],
            tokens[ALICE.name],
          ),
        ),
      ).toBe(0);
      expect(said.pop()).toMatch(
        /^rolling app-0 back in dev from 1\.5\.0 to 1\.4\.0 .*1\.5\.0 is held$/,
      );
      expect(JSON.parse(out.pop() ?? "{}")).toMatchObject({
        promotion: { kind: "rollback", version: "1.4.0" },
      });

      expect(await runHold(io(["list", "--app", "app-0"], tokens[VICKY.name]))).toBe(0);
      const listed = JSON.parse(out.pop() ?? "{}") as { items: { id: string; version: string }[] };
      const hold = listed.items.find((item) => item.version === "1.5.0");
      expect(hold).toBeDefined();

      const release = ["release", "--id", hold?.id ?? "", "--reason", "fixed in config"];
      await expect(runHold(io(release, tokens[ALICE.name]))).rejects.toThrow(
        "the portal answered 403",
      );
      await expect(
        runHold(io(["release", "--id", "x", "--reason", "r"], tokens[BOB.name])),
      ).rejects.toThrow("--id: expected the hold's id");
      expect(await runHold(io(release, tokens[ADA.name]))).toBe(0);
      expect(said.pop()).toBe(`released the hold ${hold?.id}`);
      expect(await held("dev", "1.5.0")).toBe(false);
      await expect(runHold(io(release, tokens[ADA.name]))).rejects.toThrow(
        "the portal answered 409",
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
