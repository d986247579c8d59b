import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { configProblems, parseConfig } from "@/lib/config";
import { gatePageRenders, isPageRender, type PageGateOptions } from "@/lib/runtime/page-gate";

/** A server whose pages answer only when the test says so, recording the order they started in. */
async function gatedServer(options: PageGateOptions) {
  const started: string[] = [];
  const arrived: string[] = [];
  const held = new Map<string, http.ServerResponse>();
  const waits = new Map<string, () => void>();
  const gated = gatePageRenders((request, response) => {
    const url = request.url ?? "/";
    started.push(url);
    held.set(url, response);
    waits.get(`start ${url}`)?.();
  }, options);
  const server = http.createServer((request, response) => {
    arrived.push(request.url ?? "/");
    waits.get(`arrive ${request.url}`)?.();
    gated(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const when = (event: string) =>
    new Promise<void>((resolve) => {
      waits.set(event, resolve);
    });
  return {
    started,
    arrived,
    base,
    /** Sends a request and waits until the server has it (so arrival order is the test's). */
    async send(path: string, init: RequestInit = {}) {
      const arrival = when(`arrive ${path}`);
      const answer = fetch(`${base}${path}`, init).then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get("retry-after"),
        body: await r.text(),
      }));
      answer.catch(() => undefined);
      await arrival;
      // In an object: returned bare, the caller's await would wait for the answer too.
      return { answer };
    },
    /** Resolves once the page has started rendering. */
    hasStarted: (path: string) =>
      started.includes(path) ? Promise.resolve() : when(`start ${path}`),
    finish(path: string) {
      const response = held.get(path);
      if (!response) throw new Error(`${path} has not started`);
      held.delete(path);
      response.writeHead(200, { "content-type": "text/plain" }).end(path);
    },
    async close() {
      for (const response of held.values()) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

type Gated = Awaited<ReturnType<typeof gatedServer>>;
let current: Gated | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** A gated server that the test's end closes. */
async function open(options: PageGateOptions): Promise<Gated> {
  current = await gatedServer(options);
  return current;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

describe("page renders take turns", () => {
  it("renders at most `concurrency` pages at once; the others start in the order they came", async () => {
    const s = await open({ concurrency: 2 });
    const answers = [];
    for (const path of ["/apps?a", "/apps?b", "/apps?c", "/apps?d"])
      answers.push((await s.send(path)).answer);
    await tick();
    expect(s.started).toEqual(["/apps?a", "/apps?b"]);
    s.finish("/apps?b");
    await s.hasStarted("/apps?c");
    expect(s.started).toEqual(["/apps?a", "/apps?b", "/apps?c"]);
    s.finish("/apps?a");
    await s.hasStarted("/apps?d");
    s.finish("/apps?c");
    s.finish("/apps?d");
    const bodies = (await Promise.all(answers)).map((answer) => answer.body);
    expect(bodies).toEqual(["/apps?a", "/apps?b", "/apps?c", "/apps?d"]);
  });

  it("lets the API, assets, Git, metrics and form posts through while pages wait", async () => {
    const s = await open({ concurrency: 1 });
    await s.send("/apps");
    await s.send("/apps/other");
    const passing = [
      ["/api/v1/apps", {}],
      ["/_next/static/chunks/main.js", {}],
      ["/git/gitops.git/info/refs", {}],
      ["/metrics", {}],
      ["/favicon.ico", {}],
      ["/apps/payments-api", { method: "POST", body: "x" }],
    ] as const;
    for (const [path, init] of passing) await s.send(path, init);
    await tick();
    expect(s.started).toEqual(["/apps", ...passing.map(([path]) => path)]);
  });

  it("never renders a page whose reader left while it waited, and gives its place to the next", async () => {
    const s = await open({ concurrency: 1 });
    await s.send("/apps");
    const leaving = new AbortController();
    await s.send("/apps?gone", { signal: leaving.signal });
    const last = (await s.send("/apps?next")).answer;
    leaving.abort();
    await tick();
    s.finish("/apps");
    await s.hasStarted("/apps?next");
    s.finish("/apps?next");
    expect((await last).body).toBe("/apps?next");
    expect(s.started).toEqual(["/apps", "/apps?next"]);
  });

  it("lets the next page start when one holds its turn longer than holdMs", async () => {
    const s = await open({ concurrency: 1, holdMs: 50 });
    await s.send("/apps?slow");
    await s.send("/apps?next");
    await s.hasStarted("/apps?next");
    expect(s.started).toEqual(["/apps?slow", "/apps?next"]);
    s.finish("/apps?slow");
    s.finish("/apps?next");
  });

  it("answers 503 with Retry-After when more than maxWaiting pages wait", async () => {
    const s = await open({ concurrency: 1, maxWaiting: 1 });
    await s.send("/apps");
    await s.send("/apps?waits");
    const refused = await (await s.send("/apps?one-too-many")).answer;
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe("1");
    expect(refused.body).toContain("1 pages are waiting");
    expect(s.started).toEqual(["/apps"]);
  });

  it("starts a waiting page in its own request's context, and says how long it waited", async () => {
    const context = new AsyncLocalStorage<string>();
    const seen: { context: string | undefined; waitedMs: number }[] = [];
    let release: (() => void) | undefined;
    const gated = gatePageRenders(
      (request, response) => {
        const answer = () => response.writeHead(200).end();
        if (request.url === "/apps?first") release = answer;
        else answer();
      },
      {
        concurrency: 1,
        onStart: (waitedMs) => seen.push({ context: context.getStore(), waitedMs }),
      },
    );
    const server = http.createServer((request, response) =>
      context.run(request.url ?? "", () => gated(request, response)),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const first = fetch(`${base}/apps?first`);
      await tick();
      const second = fetch(`${base}/apps?second`);
      await tick();
      release?.();
      await Promise.all([first, second]);
      expect(seen.map((s) => s.context)).toEqual(["/apps?first", "/apps?second"]);
      expect(seen[1]?.waitedMs).toBeGreaterThan(20);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("gives a leaving reader's place to the next at once, not when its turn comes", async () => {
    const s = await open({ concurrency: 1, maxWaiting: 1 });
    await s.send("/apps");
    const leaving = new AbortController();
    await s.send("/apps?gone", { signal: leaving.signal });
    leaving.abort();
    await tick();
    // The line has room again: without the place given back, this one would be refused.
    const next = (await s.send("/apps?next")).answer;
    s.finish("/apps");
    await s.hasStarted("/apps?next");
    s.finish("/apps?next");
    expect((await next).status).toBe(200);
  });

  it("frees one turn when a page outlives holdMs and then ends, not two", async () => {
    const s = await open({ concurrency: 1, holdMs: 50 });
    await s.send("/apps?slow");
    await s.send("/apps?next");
    await s.hasStarted("/apps?next");
    s.finish("/apps?slow");
    await s.send("/apps?third");
    await tick();
    expect(s.started).toEqual(["/apps?slow", "/apps?next"]);
    s.finish("/apps?next");
    await s.hasStarted("/apps?third");
    s.finish("/apps?third");
  });

  it("renders the pages people asked for before the router's prefetches", async () => {
    const s = await open({ concurrency: 1 });
    await s.send("/apps");
    await s.send("/promotions", { headers: { "next-router-prefetch": "1" } });
    await s.send("/apps/payments-api");
    s.finish("/apps");
    await s.hasStarted("/apps/payments-api");
    expect(s.started).toEqual(["/apps", "/apps/payments-api"]);
    s.finish("/apps/payments-api");
    await s.hasStarted("/promotions");
    s.finish("/promotions");
  });

  it("keeps at most 4 pages of one connection waiting, and renders none of them once it closed", async () => {
    const waitingCounts: number[] = [];
    const s = await open({ concurrency: 1, onWaiting: (n) => waitingCounts.push(n) });
    await s.send("/apps");
    // Six pipelined requests in one write, then the connection goes away (as a flood would).
    const socket = net.connect(Number(new URL(s.base).port), "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(
      [1, 2, 3, 4, 5, 6]
        .map((n) => `GET /apps?pipelined=${n} HTTP/1.1\r\nHost: x\r\n\r\n`)
        .join(""),
    );
    await expect.poll(() => s.arrived.filter((url) => url.includes("pipelined")).length).toBe(6);
    expect(Math.max(...waitingCounts)).toBe(4);
    socket.destroy();
    await tick();
    s.finish("/apps");
    await tick();
    expect(s.started).toEqual(["/apps"]);
  });

  it("lets every page through at once with concurrency 0", async () => {
    const s = await open({ concurrency: 0 });
    for (const path of ["/apps?a", "/apps?b", "/apps?c"]) await s.send(path);
    await tick();
    expect(s.started).toEqual(["/apps?a", "/apps?b", "/apps?c"]);
  });
});

describe("isPageRender", () => {
  const request = (method: string, url: string) => ({ method, url }) as http.IncomingMessage;
  it.each([
    ["GET", "/apps", true],
    ["HEAD", "/apps/payments-api?tab=history", true],
    ["GET", "/", true],
    ["GET", "/apps/api-gateway", true],
    ["GET", "/repos/gitops/blob/main/apps/api/envs/prod/values.yaml", true],
    ["GET", "/favicon.ico", false],
    ["GET", "/api", false],
    ["GET", "/api/v1/apps", false],
    ["GET", "/_next/static/chunks/app.js", false],
    ["GET", "/git/gitops.git/info/refs?service=git-upload-pack", false],
    ["GET", "/metrics", false],
    ["GET", "/icon.svg", false],
    ["POST", "/apps", false],
  ])("%s %s → %s", (method, url, expected) => {
    expect(isPageRender(request(method, url))).toBe(expected);
  });
});

describe("GANTRY_PAGE_CONCURRENCY", () => {
  const problem = (value: string) => configProblems({ GANTRY_PAGE_CONCURRENCY: value }).join("\n");

  it("defaults to 2 pages at once, takes 0 (no turns) to 64, and names what was wrong", () => {
    expect(parseConfig({}).pageConcurrency).toBe(2);
    expect(parseConfig({ GANTRY_PAGE_CONCURRENCY: "0" }).pageConcurrency).toBe(0);
    expect(parseConfig({ GANTRY_PAGE_CONCURRENCY: "64" }).pageConcurrency).toBe(64);
    expect(problem("65")).toContain(
      "GANTRY_PAGE_CONCURRENCY: expected between 0 (no limit) and 64 pages",
    );
    expect(problem("1.5")).toContain("GANTRY_PAGE_CONCURRENCY: expected a whole number of pages");
    expect(problem("many")).toContain("GANTRY_PAGE_CONCURRENCY: expected a number of pages");
  });
});
