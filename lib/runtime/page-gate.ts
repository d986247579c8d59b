import { AsyncResource } from "node:async_hooks";
import type http from "node:http";
import type { Socket } from "node:net";

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
 * Next.js's assets, Git and the root's metadata files): the API, server
 * actions, live updates and Git's smart HTTP pass at once. The router's
 * prefetches wait behind every page a person asked for. A page whose reader
 * left while it waited (or whose connection closed under it) is never
 * rendered, and one connection keeps at most 4 pages waiting.
 */
export function gatePageRenders(handle: Handler, options: PageGateOptions): Handler {
  const { concurrency } = options;
  if (concurrency <= 0) return handle;
  const holdMs = options.holdMs ?? DEFAULT_HOLD_MS;
  const maxWaiting = options.maxWaiting ?? DEFAULT_MAX_WAITING;
  // Pages people asked for, then the router's prefetches, which only render when no page waits:
  // a click never waits behind the links a page prefetches.
  const pages: Waiter[] = [];
  const prefetches: Waiter[] = [];
  /** Pages waiting per connection: pipelined requests on one socket are answered in turn anyway. */
  const waitingOn = new WeakMap<Socket, number>();
  let running = 0;

  const waitingCount = () => pages.length + prefetches.length;
  const told = () => options.onWaiting?.(waitingCount());

  const next = () => {
    running--;
    for (;;) {
      const waiter = pages.shift() ?? prefetches.shift();
      if (!waiter) break;
      waiter.dequeued();
      told();
      // A waiter whose client has just left gives its turn back at once (start returns false).
      running++;
      if (waiter.start()) return;
      running--;
    }
  };

  return (request, response) => {
    if (!isPageRender(request)) {
      handle(request, response);
      return;
    }
    const arrived = performance.now();
    let left = false;
    // Runs in the request's own async context (its timing, its logging), not the context of
    // the page whose end gave it its turn.
    const start = AsyncResource.bind((): boolean => {
      if (left || isGone(request, response)) return false;
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
    if (running < concurrency && waitingCount() === 0) {
      running++;
      if (!start()) next();
      return;
    }
    const socket = request.socket;
    const onSocket = waitingOn.get(socket) ?? 0;
    if (waitingCount() >= maxWaiting || onSocket >= MAX_WAITING_PER_CONNECTION) {
      busy(response, waitingCount());
      return;
    }
    const queue = request.headers["next-router-prefetch"] ? prefetches : pages;
    const waiter: Waiter = {
      start,
      dequeued: () => {
        const count = (waitingOn.get(socket) ?? 1) - 1;
        if (count > 0) waitingOn.set(socket, count);
        else waitingOn.delete(socket);
      },
    };
    waitingOn.set(socket, onSocket + 1);
    queue.push(waiter);
    told();
    // The client left while the page waited: its place goes at once, not when its turn comes.
    response.once("close", () => {
      const place = queue.indexOf(waiter);
      if (place === -1) return;
      left = true;
      queue.splice(place, 1);
      waiter.dequeued();
      told();
    });
  };
}

interface Waiter {
  start: () => boolean;
  /** Leaves the connection's count of waiting pages. */
  dequeued: () => void;
}

/**
 * At most this many pages wait per connection. Browsers never pipeline; one connection that
 * sends hundreds of GETs at once and hangs up must not fill the line for everyone.
 */
const MAX_WAITING_PER_CONNECTION = 4;

/** The reader is gone: the response or the request, or the connection under them (a pipelined request behind a closed one). */
function isGone(request: http.IncomingMessage, response: http.ServerResponse): boolean {
  return (
    response.destroyed || response.writableEnded || request.destroyed || request.socket.destroyed
  );
}

function busy(response: http.ServerResponse, waiting: number): void {
  response.writeHead(503, {
    "content-type": "text/plain; charset=utf-8",
    "retry-after": "1",
    "cache-control": "no-store",
  });
  response.end(`Gantry is busy: ${waiting} pages are waiting to render. Try again in a moment.\n`);
}

/** A request that renders a page (or its React payload for a client-side navigation). */
export function isPageRender(request: http.IncomingMessage): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const pathname = (request.url ?? "/").split("?")[0] ?? "/";
  if (/^\/(api|_next|git)(\/|$)/.test(pathname) || pathname === "/metrics") return false;
  // The app's metadata files at the root (favicon.ico, icon.svg, robots.txt): no render. Deeper
  // paths that look like files are pages (the repository browser's /repos/…/blob/…/values.yaml).
  return !/^\/[^/]+\.[a-z0-9]{1,12}$/i.test(pathname);
}
