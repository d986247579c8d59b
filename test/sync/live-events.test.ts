import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as events from "@/app/api/v1/events/route";
import { ChangeListener } from "@/lib/events/change-listener";
import { createApiToken } from "@/lib/people/create-api-token";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ingestReport } from "@/lib/sync/ingest-report";
import {
  ALICE,
  createPromotionWorld,
  type PromotionWorld,
  serveWorld,
} from "@/test/promotion/support";
import { argoItem, reportingCluster } from "./support";

/**
 * GET /api/v1/events through its route handler against a real Postgres:
 * a promotion's transition and a cluster's report reach an open stream via
 * LISTEN/NOTIFY, the filter holds, and aborting the request leaves no
 * subscriber and no LISTEN connection behind.
 */
describe("GET /api/v1/events", () => {
  let w: PromotionWorld;
  let unserve: () => Promise<void>;
  let token: string;
  let listener: ChangeListener;
  let sequence = 0;

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 3 });
    unserve = serveWorld(w);
    ({ token } = await createApiToken({
      db: w.db,
      acting: "system",
      kind: "ci",
      name: "reader",
      scopes: ["promotions:read"],
    }));
    listener = new ChangeListener({
      connectionString: w.url,
      backoff: { baseMs: 50, maxMs: 200 },
    });
    globalThis.gantryChangeListener = listener;
  });
  afterAll(async () => {
    await listener?.close();
    globalThis.gantryChangeListener = undefined;
    await unserve?.();
    await w?.close();
  });

  function open(query: string, auth: string | null = `Bearer ${token}`) {
    const abort = new AbortController();
    const headers = new Headers();
    if (auth) headers.set("authorization", auth);
    const response = events.GET(
      new Request(`https://gantry.example.com/api/v1/events${query}`, {
        headers,
        signal: abort.signal,
      }),
      {},
    );
    return { abort, response };
  }

  /** Reads server-sent events until one satisfies `wanted`; fails after 20 s. */
  async function next(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    wanted: (event: string, data: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const decoder = new TextDecoder();
    let buffer = "";
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the stream ended");
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) {
          const parsed = JSON.parse(data) as Record<string, unknown>;
          if (wanted(event, parsed)) return parsed;
        }
      }
    }
    throw new Error("no matching event within 20 s");
  }

  async function report(cluster: string, application: string) {
    sequence += 1;
    const now = new Date(Date.now() + sequence);
    return ingestReport({
      db: w.db,
      git: w.provider,
      cluster: await reportingCluster(w.db, cluster),
      report: {
        schemaVersion: 1,
        agent: { version: "test", mode: "agent" },
        kind: "delta",
        sequence,
        sentAt: now.toISOString(),
        items: [
          argoItem({
            application,
            syncState: sequence % 2 === 0 ? "Synced" : "OutOfSync",
            health: "Healthy",
            revision: null,
            observedAt: now,
          }),
        ],
      },
    });
  }

  // This world's database only: other files' worlds share the Postgres cluster.
  const listeningConnections = async () => {
    const [row] = await w.db.$queryRaw<{ count: number }[]>`
      SELECT count(*)::int AS count FROM pg_stat_activity
      WHERE application_name = 'gantry-events' AND datname = current_database()`;
    return row?.count ?? 0;
  };

  /**
   * A full garbage collection, as a busy server (or a busy test run) has at
   * any moment: nothing but the stream holds the request `open` made.
   */
  async function collectGarbage() {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    for (let n = 0; n < 3; n++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  async function until(what: string, check: () => Promise<boolean> | boolean) {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("refuses a request that is not signed in, and a bad filter naming the field", async () => {
    const signedOut = await open("", null).response;
    expect(signedOut.status).toBe(401);
    const bad = await open("?promotion=nope").response;
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
      "promotion",
    );
    expect(listener.subscriberCount).toBe(0);
  });

  it("delivers a promotion's transition and its application's status, then closes cleanly on abort", async () => {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "prod",
      reason: "live updates",
    });
    const { abort, response } = open(`?promotion=${promotion.id}`);
    const opened = await response;
    expect(opened.status).toBe(200);
    expect(opened.headers.get("content-type")).toContain("text/event-stream");
    const reader = (opened.body as ReadableStream<Uint8Array>).getReader();
    await until("the subscription", () => listener.subscriberCount === 1 && listener.connected);
    expect(await listeningConnections()).toBe(1);

    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    const transition = await next(
      reader,
      (event, data) => event === "change" && data.kind === "promotion",
    );
    expect(transition).toMatchObject({
      kind: "promotion",
      promotionId: promotion.id,
      application: "app-0",
      state: "pr_open",
    });

    // Another application's report is filtered out: the first sync change is app-0's.
    await report("prod-eu-1", "app-1");
    await report("prod-eu-1", "app-0");
    const sync = await next(reader, (event, data) => event === "change" && data.kind === "sync");
    expect(sync).toMatchObject({ kind: "sync", cluster: "prod-eu-1", applications: ["app-0"] });

    await collectGarbage();
    abort.abort();
    await until(
      "the stream to end",
      async () => (await reader.read().catch(() => ({ done: true }))).done === true,
    );
    await until("no subscriber", () => listener.subscriberCount === 0);
    await until("the LISTEN connection to close", async () => (await listeningConnections()) === 0);
    expect(listener.connected).toBe(false);
  });

  it("shares one LISTEN connection between streams; an unfiltered stream sees every change", async () => {
    const first = open("");
    const second = open("?application=app-2");
    const [a, b] = await Promise.all([first.response, second.response]);
    const readerA = (a.body as ReadableStream<Uint8Array>).getReader();
    const readerB = (b.body as ReadableStream<Uint8Array>).getReader();
    await until("two subscribers", () => listener.subscriberCount === 2 && listener.connected);
    expect(await listeningConnections()).toBe(1);

    await report("prod-us-1", "app-2");
    const [seenA, seenB] = await Promise.all([
      next(readerA, (event, data) => event === "change" && data.kind === "sync"),
      next(readerB, (event, data) => event === "change" && data.kind === "sync"),
    ]);
    expect(seenA).toMatchObject({ applications: ["app-2"] });
    expect(seenB).toMatchObject({ applications: ["app-2"] });

    await collectGarbage();
    first.abort.abort();
    await until("one subscriber left", () => listener.subscriberCount === 1);
    expect(await listeningConnections()).toBe(1);
    await readerB.cancel();
    await until("no subscriber", () => listener.subscriberCount === 0);
    await until("the LISTEN connection to close", async () => (await listeningConnections()) === 0);
  });

  it("re-opens a dropped LISTEN connection, says resync, and keeps delivering", async () => {
    const { abort, response } = open("?application=app-1");
    const reader = ((await response).body as ReadableStream<Uint8Array>).getReader();
    await until("the subscription", () => listener.subscriberCount === 1 && listener.connected);

    // Postgres restarts, a proxy drops the connection: here, the server ends the session.
    await w.db.$executeRaw`
      SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'gantry-events' AND datname = current_database()`;
    await next(reader, (event) => event === "resync");
    await until("listening again", () => listener.connected);

    await report("prod-eu-1", "app-1");
    const sync = await next(reader, (event, data) => event === "change" && data.kind === "sync");
    expect(sync).toMatchObject({ applications: ["app-1"] });
    await collectGarbage();
    abort.abort();
    await until("no subscriber", () => listener.subscriberCount === 0);
    await until("the LISTEN connection to close", async () => (await listeningConnections()) === 0);
  });
});
