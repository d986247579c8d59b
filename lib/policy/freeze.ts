import { Cron } from "croner";
import { addWallClockMinutes } from "@/lib/gitops-repo/policy/time";
import type { ActiveFreeze, EnvironmentPolicy, FreezeWindow } from "@/lib/gitops-repo/policy/types";

/** A freeze that has not started yet: when it starts, until when it lasts, and why. */
export interface UpcomingFreeze {
  from: Date;
  until: Date;
  reason: string;
}

/** How many windows one chain of back-to-back freezes may join before we stop looking. */
const MAX_CHAIN = 1000;

interface Window {
  start: Date;
  end: Date;
}

const crons = new Map<string, Cron>();

/** Schedules are pure computation here: a Cron without a callback never sets a timer. */
function cronOf(freeze: Extract<FreezeWindow, { kind: "recurring" }>): Cron {
  const key = `${freeze.timezone}\u0000${freeze.cron}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(freeze.cron, { timezone: freeze.timezone, mode: "5-part" });
    crons.set(key, cron);
  }
  return cron;
}

function recurringWindow(
  freeze: Extract<FreezeWindow, { kind: "recurring" }>,
  start: Date,
): Window {
  return { start, end: addWallClockMinutes(start, freeze.durationMinutes, freeze.timezone) };
}

/** The window of `freeze` that covers `instant` (start ≤ instant < end), latest-ending first. */
function windowCovering(freeze: FreezeWindow, instant: Date): Window | null {
  if (freeze.kind === "range") {
    const start = new Date(freeze.from);
    const end = new Date(freeze.to);
    return start <= instant && instant < end ? { start, end } : null;
  }
  // The latest start at or before `instant`; a later start's window ends later, so it is the one.
  const [latest] = cronOf(freeze).previousRuns(1, new Date(instant.getTime() + 1));
  if (!latest || latest > instant) return null;
  const window = recurringWindow(freeze, latest);
  return window.end > instant ? window : null;
}

/** The first window of `freeze` starting strictly after `instant`. */
function windowStartingAfter(freeze: FreezeWindow, instant: Date): Window | null {
  if (freeze.kind === "range") {
    const start = new Date(freeze.from);
    return start > instant ? { start, end: new Date(freeze.to) } : null;
  }
  const next = cronOf(freeze).nextRun(instant);
  return next ? recurringWindow(freeze, next) : null;
}

/**
 * From an instant inside some freeze, follow overlapping and back-to-back
 * windows (one ending exactly when the next starts) to the end of the
 * frozen stretch; null when no window covers `instant`.
 */
function frozenStretch(freezes: readonly FreezeWindow[], instant: Date): ActiveFreeze | null {
  let until = instant;
  const reasons: string[] = [];
  for (let step = 0; step < MAX_CHAIN; step++) {
    let extended = false;
    for (const freeze of freezes) {
      const window = windowCovering(freeze, until);
      if (window && window.end > until) {
        until = window.end;
        extended = true;
        if (!reasons.includes(freeze.reason)) reasons.push(freeze.reason);
      }
    }
    if (!extended) break;
  }
  return until > instant ? { until, reason: reasons.join("; ") } : null;
}

/**
 * The freeze in force at `now`, if any: until the latest end among the
 * windows that overlap or follow each other without a gap, with their
 * reasons. Date ranges include `from` and exclude `to`; a recurring window
 * starts at each cron time in its zone and lasts its duration of wall-clock
 * time there.
 */
export function activeFreeze(policy: EnvironmentPolicy, now: Date): ActiveFreeze | null {
  return frozenStretch(policy.freezes, now);
}

/**
 * The next freeze that starts after `now` (after the current one ends, when
 * one is in force), for a heads-up before it begins.
 */
export function nextFreeze(policy: EnvironmentPolicy, now: Date): UpcomingFreeze | null {
  const after = activeFreeze(policy, now)?.until ?? now;
  let earliest: Window | null = null;
  for (const freeze of policy.freezes) {
    const window = windowStartingAfter(freeze, after);
    if (window && (earliest === null || window.start < earliest.start)) earliest = window;
  }
  if (earliest === null) return null;
  const stretch = frozenStretch(policy.freezes, earliest.start);
  if (stretch === null) return null;
  return { from: earliest.start, until: stretch.until, reason: stretch.reason };
}
