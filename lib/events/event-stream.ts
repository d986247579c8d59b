import type { ChangeListener } from "./change-listener";
import { type ChangeEvent, type ChangeFilter, matchesFilter } from "./changes";

/**
 * A Server-Sent Events stream of the changes matching a filter, for one
 * browser connection:
 *
 * - `event: ready` once the subscription is live: a change made after the
 *   page was rendered but before this may have been missed, so the page
 *   re-reads once (on every reconnect too, since each sends it again);
 * - `event: change` with the change as JSON; a comment every `heartbeatMs`
 *   (15 s) so proxies keep the connection open and a dead one is noticed;
 * - at most `bufferSize` messages wait for a slow reader: past that, changes
 *   are dropped and one `event: resync` is sent when it catches up (the page
 *   re-reads everything anyway, so nothing is lost but repetition);
 * - when the request is aborted or the reader cancels, the subscription ends
 *   and the shared LISTEN connection closes with the last subscriber.
 *
 * The stream holds the request itself, not only its signal: a `Request`'s
 * signal follows the caller's abort through a weak reference that the
 * request owns, so once nothing holds the request a garbage collection
 * silently detaches it and the abort never arrives (the subscriber and the
 * LISTEN connection would then outlive the browser's connection).
 */
export interface EventStreamOptions {
  listener: Pick<ChangeListener, "subscribe">;
  filter: ChangeFilter;
  /** The browser's request: its abort ends the stream. Held until the stream ends. */
  request: Pick<Request, "signal">;
  heartbeatMs?: number;
  bufferSize?: number;
  /**
   * Whether whoever opened the stream may still read (not disabled, session
   * or token not ended), asked every `recheckMs` (30 s): a stream outlives
   * the request that checked it, so without this a disabled person's open
   * page would go on receiving changes. False ends the stream with
   * `event: signed-out`; the page then asks for a fresh one and is refused.
   */
  stillAllowed?: () => Promise<boolean>;
  recheckMs?: number;
}

const encoder = new TextEncoder();

function message(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function changeEventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const bufferSize = options.bufferSize ?? 32;
  let unsubscribe: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  let recheck: NodeJS.Timeout | undefined;
  let closed = false;
  let missed = false;
  let onAbort: (() => void) | null = null;
  // Strong until cleanup: see the note on EventStreamOptions.
  let request: Pick<Request, "signal"> | null = options.request;
  const signal = request.signal;

  const cleanup = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearInterval(recheck);
    unsubscribe?.();
    unsubscribe = null;
    if (onAbort) signal.removeEventListener("abort", onAbort);
    request = null;
  };

  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        const send = (chunk: Uint8Array): boolean => {
          if (closed) return false;
          if ((controller.desiredSize ?? 0) <= 0) {
            missed = true;
            return false;
          }
          controller.enqueue(chunk);
          return true;
        };
        onAbort = () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // already closed by the reader's cancel: nothing left to close
          }
        };
        if (signal.aborted || !request) {
          onAbort();
          return;
        }
        signal.addEventListener("abort", onAbort, { once: true });
        // Browsers reconnect after this long when the connection drops.
        controller.enqueue(encoder.encode("retry: 3000\n: connected\n\n"));
        const stop = await options.listener.subscribe({
          onChange: (event: ChangeEvent) => {
            if (matchesFilter(event, options.filter)) send(message("change", event));
          },
          onReconnect: () => send(message("resync", { reason: "reconnected" })),
        });
        if (closed) {
          stop();
          return;
        }
        unsubscribe = stop;
        // Changes from here on arrive; what happened between the page's render and now did not.
        send(message("ready", { at: new Date().toISOString() }));
        heartbeat = setInterval(() => send(encoder.encode(": heartbeat\n\n")), heartbeatMs);
        heartbeat.unref();
        const stillAllowed = options.stillAllowed;
        if (stillAllowed) {
          let checking = false;
          recheck = setInterval(() => {
            if (checking || closed) return;
            checking = true;
            stillAllowed()
              .catch(() => false)
              .then((allowed) => {
                checking = false;
                if (allowed || closed) return;
                controller.enqueue(message("signed-out", { reason: "access ended" }));
                onAbort?.();
              });
          }, options.recheckMs ?? 30_000);
          recheck.unref();
        }
      },
      pull(controller) {
        if (missed && !closed) {
          missed = false;
          controller.enqueue(
            message("resync", { reason: "changes were dropped for a slow reader" }),
          );
        }
      },
      cancel() {
        cleanup();
      },
    },
    new CountQueuingStrategy({ highWaterMark: bufferSize }),
  );
}
