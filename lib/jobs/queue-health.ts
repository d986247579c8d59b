/**
 * How this process's job queue is doing, for readiness: whether the job
 * runner runs here and when pg-boss last reported an error. Kept on
 * globalThis because `npm start` loads the runner and Next.js loads the
 * route handlers as two copies of this module in one process.
 */
interface QueueHealth {
  runnerStarted: boolean;
  lastErrorAt: number | null;
  lastError: string | null;
}

declare global {
  var gantryJobQueueHealth: QueueHealth | undefined;
}

/** An error within this long makes the queue read as failing; pg-boss polls every few seconds. */
const RECENT_MS = 15_000;

function health(): QueueHealth {
  globalThis.gantryJobQueueHealth ??= { runnerStarted: false, lastErrorAt: null, lastError: null };
  return globalThis.gantryJobQueueHealth;
}

export function markJobRunner(started: boolean): void {
  health().runnerStarted = started;
}

export function recordJobQueueError(error: unknown): void {
  const state = health();
  state.lastErrorAt = Date.now();
  state.lastError = (error instanceof Error ? error.message : String(error)).slice(0, 200);
}

export function jobQueueHealth(now = Date.now()): { ok: boolean; message: string } {
  const state = health();
  if (!state.runnerStarted) return { ok: false, message: "the job runner is not running" };
  if (state.lastErrorAt !== null && now - state.lastErrorAt < RECENT_MS) {
    return { ok: false, message: "the job queue reports errors; see the server log" };
  }
  return { ok: true, message: "running" };
}
