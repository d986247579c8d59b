import { AsyncResource } from "node:async_hooks";
import type http from "node:http";

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface PageGateOptions {
  /** Pages rendered at once; 0 lets every page render as it arrives. */
  concurrency: number;
  /**
   * The longest a render keeps its turn: a page still streaming after this
   * goes on outside the gate and the next one starts, so one slow page
   * (a slow query, a large diff) never holds the others back for long.
   */
  holdMs?: number;
  /** Pages that may wait; one more is answered 503 with Retry-After. */
  maxWaiting?: number;
  /** Told how long each page waited for its turn, in the page's own request context. */
  onStart?: (waitedMs: number) => void;
  /** Told how many pages wait, whenever that changes. */
  onWaiting?: (waiting: number) => void;
}

const DEFAULT_HOLD_MS = 1_000;
const DEFAULT_MAX_WAITING = 500;

/**
 * Page renders take turns: at most `concurrency` at once, the rest wait in
 * arrival order. The server has one JavaScript thread; sixteen pages
 * rendered interleaved each take as long as all sixteen, and everything
 * each holds lives that long too, so it outlives the young generation and
 * the heap's full collections come every second. In turns, each render's
 * garbage dies young and the slowest page is no slower than its place in
 * the line (at 10,000 applications and 16 readers on 2 cores, the slowest
 * of 160 catalogue pages went from 540–920 ms to under 500).
 *
 * Only page renders take turns (GET and HEAD of anything but the API,
 * Next.js's assets, Git and static files): the API, server actions, live
 * updates and Git's smart HTTP pass at once. A page whose client left
 * while it waited is never rendered.
 */
export function gatePageRenders(handle: Handler, options: PageGateOptions): Handler {
  const { concurrency } = options;
  if (concurrency <= 0) return handle;
  const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  const maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING;
  const waiting: (() => boolean)[] = [];
  let running = 0;

  const next = () => {
    running--;
    for (;;) {
      const start = waiting.shift();
      if (!start) break;
      options.onWaiting?.(waiting.length);
      // A waiter whose client has just left gives its turn back at once (start returns false).
      running++;
      if (start()) return;
      running--;
    }
  };

  return (request, response) => {
    if (!isPageRender(request)) {
      handle(request, response);
      return;
    }
    const arrived = performance.now();
    // Runs in the request's own async context (its timing, its logging), not the context of
    // the page whose end gave it its turn.
    let left = false;
    const start = AsyncResource.bind((): boolean => {
      if (left || response.destroyed || response.writableEnded) return false;
      let done = false;
      const release = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        next();
      };
      const timer = setTimeout(release, holdMs);
      timer.unref();
      response.once("close", release);
      options.onStart?.(performance.now() - arrived);
      handle(request, response);
      return true;
    });
    if (running < concurrency) {
      running++;
      start();
      return;
    }
    if (waiting.length >= maxWaiting) {
      response.writeHead(503, {
        "content-type": "text/plain; charset=utf-8",
        "retry-after": "1",
        "cache-control": "no-store",
      });
      response.end(
        `Gantry is busy: ${waiting.length} pages are waiting to render. Try again in a moment.\n`,
      );
      return;
    }
    waiting.push(start);
    options.onWaiting?.(waiting.length);
    // The client left while the page waited: its place goes at once, not when its turn comes.
    response.once("close", () => {
      const place = waiting.indexOf(start);
      if (place === -1) return;
      left = true;
      waiting.splice(place, 1);
      options.onWaiting?.(waiting.length);
    });
  };
}

/** A request that renders a page (or its React payload for a client-side navigation). */
export function isPageRender(request: http.IncomingMessage): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const pathname = (request.url ?? "/").split("?")[0] ?? "/";
  if (/^\/(api|_next|git)(\/|$)/.test(pathname) || pathname === "/metrics") return false;
  // Files served as they are (favicon.ico, icon.svg, robots.txt): no render.
  return !/\.[a-z0-9]{1,12}$/i.test(pathname.slice(pathname.lastIndexOf("/")));
}
