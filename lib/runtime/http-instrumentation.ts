import { AsyncLocalStorage } from "node:async_hooks";
import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import pg from "pg";
import { metrics } from "@/lib/metrics";

/**
 * Per-request timing for `npm start`'s HTTP server: every answer (page or
 * API) carries `Server-Timing: queue;dur=…, db;dur=…, render;dur=…,
 * total;dur=…` (waiting for a page's turn, time in Postgres, the rest, until
 * the headers left), and its latency is
 * observed in /metrics under the route it matched (the app/ folder pattern,
 * so `/apps/payments-api` counts as `/apps/[slug]` and labels stay few).
 */

interface RequestTiming {
  dbMs: number;
  /** Waiting for the page's turn to render (lib/runtime/page-gate.ts). */
  queueMs: number;
}

declare global {
  var gantryRequestTiming: AsyncLocalStorage<RequestTiming> | undefined;
  var gantryPgTimed: boolean | undefined;
}

function timing(): AsyncLocalStorage<RequestTiming> {
  globalThis.gantryRequestTiming ??= new AsyncLocalStorage<RequestTiming>();
  return globalThis.gantryRequestTiming;
}

/** Adds a page's wait for its turn to the request it is called for (page-gate's onStart). */
export function recordQueueWait(waitedMs: number): void {
  const store = timing().getStore();
  if (store) store.queueMs += waitedMs;
}

/**
 * Adds the time of each `pg` query to the request it runs for. Prisma's
 * adapter and pg-boss both query through `pg.Client`, so this sees every
 * query; outside a request it adds nothing.
 */
export function timePostgresQueries(): void {
  if (globalThis.gantryPgTimed) return;
  globalThis.gantryPgTimed = true;
  const original = pg.Client.prototype.query;
  const timed = function (this: pg.Client, ...args: unknown[]): unknown {
    const store = timing().getStore();
    if (!store) return Reflect.apply(original, this, args);
    const started = performance.now();
    const add = () => {
      store.dbMs += performance.now() - started;
    };
    const last = args.at(-1);
    if (typeof last === "function") {
      args[args.length - 1] = (...results: unknown[]) => {
        add();
        return Reflect.apply(last, undefined, results);
      };
      return Reflect.apply(original, this, args);
    }
    const result: unknown = Reflect.apply(original, this, args);
    if (result instanceof Promise) return result.finally(add);
    return result;
  };
  pg.Client.prototype.query = timed as typeof original;
}

/** Maps a request path to the app/ route it serves: `/apps/[slug]`, `/api/v1/promotions/[id]/merge`, or `other`. */
export function routeLabeler(appDir: string): (pathname: string) => string {
  const routes: { label: string; pattern: RegExp; specificity: number }[] = [];
  const visit = (dir: string, segments: string[]) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name.startsWith("_") || entry.name.startsWith("@")) continue;
        visit(path.join(dir, entry.name), [...segments, entry.name]);
      } else if (/^(page|route)\.(tsx?|jsx?)$/.test(entry.name)) {
        const visible = segments.filter((segment) => !/^\(.*\)$/.test(segment));
        const source = visible
          .map((segment) =>
            /^\[\[?\.\.\./.test(segment)
              ? "(?:/.*)?"
              : /^\[.+\]$/.test(segment)
                ? "/[^/]+"
                : `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`,
          )
          .join("");
        routes.push({
          label: `/${visible.join("/")}`,
          pattern: new RegExp(`^${source || "/"}/?$`),
          specificity: visible.filter((segment) => !segment.startsWith("[")).length,
        });
      }
    }
  };
  if (fs.existsSync(appDir)) visit(appDir, []);
  // Static segments win over dynamic ones (`/apps/new` before `/apps/[slug]`).
  routes.sort((a, b) => b.specificity - a.specificity);
  return (pathname) => {
    if (pathname.startsWith("/_next/")) return "/_next";
    return routes.find((route) => route.pattern.test(pathname))?.label ?? "other";
  };
}

/** Wraps the server's request handler: Server-Timing on every answer, latency by route in /metrics. */
export function instrumentRequests(
  handle: (request: http.IncomingMessage, response: http.ServerResponse) => void,
  routeOf: (pathname: string) => string,
): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  return (request, response) => {
    const store: RequestTiming = { dbMs: 0, queueMs: 0 };
    const started = performance.now();
    const writeHead = response.writeHead;
    response.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
      if (!this.headersSent && !this.hasHeader("server-timing")) {
        const total = performance.now() - started;
        const queue = Math.min(store.queueMs, total);
        const db = Math.min(store.dbMs, total - queue);
        this.setHeader(
          "server-timing",
          `queue;dur=${queue.toFixed(1)}, db;dur=${db.toFixed(1)}, render;dur=${(total - queue - db).toFixed(1)}, total;dur=${total.toFixed(1)}`,
        );
      }
      return Reflect.apply(writeHead, this, args);
    } as typeof writeHead;
    response.once("finish", () => {
      let pathname = "/";
      try {
        pathname = new URL(request.url ?? "/", "http://gantry.invalid").pathname;
      } catch {
        pathname = "/";
      }
      metrics().httpDuration.observe(
        {
          method: (request.method ?? "GET").slice(0, 10),
          route: routeOf(pathname),
          status: String(response.statusCode),
        },
        (performance.now() - started) / 1000,
      );
    });
    timing().run(store, () => handle(request, response));
  };
}
