import { randomUUID } from "node:crypto";
import { getConfig } from "@/lib/config";

/**
 * Structured logging to stdout/stderr, one JSON object per line so a log
 * pipeline can index it. Fields whose names look secret are redacted before
 * anything is written: a token must never reach a log, even by accident.
 */

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|session|private.?key|credential/i;

export type LogFields = Record<string, unknown>;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? "[redacted]" : redact(inner, depth + 1);
  }
  return out;
}

function write(level: Level, message: string, fields: LogFields = {}): void {
  let threshold: Level = "info";
  try {
    threshold = getConfig().logLevel;
  } catch {
    // Configuration itself is broken: still log, at the default level, so the reason is seen.
  }
  if (ORDER[level] < ORDER[threshold]) return;
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    message,
    ...(redact(fields) as LogFields),
  });
  if (level === "error" || level === "warn") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

export const log = {
  debug: (message: string, fields?: LogFields) => write("debug", message, fields),
  info: (message: string, fields?: LogFields) => write("info", message, fields),
  warn: (message: string, fields?: LogFields) => write("warn", message, fields),
  error: (message: string, fields?: LogFields) => write("error", message, fields),
};

/** Logs an unexpected error under a fresh id and returns the id, which is what a person is shown. */
export function logUnexpected(error: unknown, context: LogFields = {}): string {
  const errorId = randomUUID().slice(0, 8);
  log.error("unexpected error", { errorId, error, ...context });
  return errorId;
}

const outages = new Map<string, { loggedAt: number; heldBack: number }>();

/**
 * Logs a failure that repeats while something is down (the database, the job
 * queue) at most once per interval for its key, with how many were held back
 * since, so an outage is one line every half minute instead of one per
 * request or poll. `recovered` ends it with one line.
 */
export const outageLog = {
  failing(key: string, message: string, fields: LogFields = {}, intervalMs = 30_000): void {
    const now = Date.now();
    const seen = outages.get(key);
    if (seen && now - seen.loggedAt < intervalMs) {
      seen.heldBack++;
      return;
    }
    log.error(message, { ...fields, outage: key, repeatsHeldBack: seen?.heldBack ?? 0 });
    outages.set(key, { loggedAt: now, heldBack: 0 });
  },
  recovered(key: string, message: string, fields: LogFields = {}): void {
    if (!outages.delete(key)) return;
    log.info(message, { ...fields, outage: key });
  },
};
