import { describeInstant, formatDurationMinutes } from "@/lib/gitops-repo/policy/time";
import type { EnvironmentPolicy, FreezeWindow } from "@/lib/gitops-repo/policy/types";
import { activeFreeze, nextFreeze } from "@/lib/policy/freeze";

/** "prod is frozen until Monday 08:00 UTC (Year-end freeze)" */
export function frozenMessage(params: {
  environment: string;
  until: Date;
  reason: string;
  now: Date;
}): string {
  return `${params.environment} is frozen until ${describeInstant(params.until, params.now)} (${params.reason})`;
}

/** An environment's policy in words, and where its freezes stand at `now`: plain data for the UI. */
export interface PolicySummary {
  approvals: string;
  order: string;
  /** The environment has an order rule (deployed, or healthy, in the previous one first). */
  ordered: boolean;
  autoMerge: string;
  /** How a rollback goes ahead here, and whether Gantry opens it by itself. */
  rollback: string;
  /** How releases registered by CI move in: "Only people promote", "A new release comes in at once", … */
  progression: string;
  freezes: string[];
  /** In force now: the banner's text, e.g. "prod is frozen until Monday 08:00 UTC (Year-end freeze)". */
  frozen: { until: string; untilIso: string; reason: string; message: string } | null;
  /** The next freeze after the current one (or after now). */
  nextFreeze: {
    from: string;
    fromIso: string;
    until: string;
    reason: string;
    message: string;
    /** It starts within the next 24 hours: worth a heads-up. */
    soon: boolean;
  } | null;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const WEEKDAY_NAMES: Record<string, number> = {
  SUN: 0,
  MON: 1,
  TUE: 2,
  WED: 3,
  THU: 4,
  FRI: 5,
  SAT: 6,
};

function weekdayWord(field: string): string | null {
  const index = /^\d$/.test(field) ? Number(field) % 7 : WEEKDAY_NAMES[field.toUpperCase()];
  return index === undefined ? null : (WEEKDAYS[index] ?? null);
}

/** "0 18 * * FRI" → "every Friday at 18:00"; anything less plain stays as cron text. */
export function describeCron(cron: string): string {
  const [minute, hour, day, month, weekday, ...rest] = cron.trim().split(/\s+/);
  const plain =
    rest.length === 0 &&
    minute !== undefined &&
    hour !== undefined &&
    /^\d{1,2}$/.test(minute) &&
    /^\d{1,2}$/.test(hour) &&
    day === "*" &&
    month === "*";
  if (plain && weekday !== undefined) {
    const time = `${hour.padStart(2, "0")}:${minute.padStart(2, "0")}`;
    if (weekday === "*") return `every day at ${time}`;
    const days = weekday.split(",").map(weekdayWord);
    if (days.every((d): d is string => d !== null)) {
      return `every ${days.join(" and ")} at ${time}`;
    }
  }
  return `at each "${cron}"`;
}

const RANGE_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function describeFreeze(freeze: FreezeWindow): string {
  if (freeze.kind === "range") {
    const from = RANGE_TIME.format(new Date(freeze.from)).replace(" at", ",");
    const to = RANGE_TIME.format(new Date(freeze.to)).replace(" at", ",");
    return `${freeze.reason}: from ${from} UTC to ${to} UTC`;
  }
  return `${freeze.reason}: ${describeCron(freeze.cron)} (${freeze.timezone}) for ${formatDurationMinutes(freeze.durationMinutes)}`;
}

/**
 * The policy of `environment` in words: who must approve, what must have
 * happened in `previousEnvironment` first, whether it merges by itself,
 * and its freezes, with the one in force and the next one.
 */
export function summarisePolicy(params: {
  environment: string;
  previousEnvironment: string | null;
  policy: EnvironmentPolicy;
  now: Date;
}): PolicySummary {
  const { environment, previousEnvironment, policy, now } = params;
  const { required, team } = policy.approvals;
  const approvals =
    required === 0
      ? "No approval needed"
      : `${required} approval${required === 1 ? "" : "s"}${team ? ` from ${team}` : ""}, not by the person who asked`;
  const previous = previousEnvironment ?? "the previous environment";
  const order = !policy.order.requireDeployedInPrevious
    ? "Any version may be promoted"
    : policy.order.requireHealthy
      ? `The version must be deployed and healthy in ${previous} first`
      : `The version must be deployed in ${previous} first`;
  const autoMerge = policy.autoMerge
    ? "Merges by itself once the policy is met"
    : "Someone merges once the policy is met";
  const { approvals: rollbackApprovals } = policy.rollback;
  const rollback = [
    rollbackApprovals === 0
      ? "No approval needed"
      : `${rollbackApprovals} approval${rollbackApprovals === 1 ? "" : "s"}`,
    policy.rollback.allowDuringFreeze
      ? "allowed during a freeze with a written reason"
      : "refused during a freeze",
    policy.autoRollback
      ? `opened by Gantry when a promotion fails after its merge or is not healthy within ${formatDurationMinutes(policy.rollback.healthyWithinMinutes)}`
      : "opened by a person",
  ].join("; ");
  const progression = describeProgression(policy, previous);
  const active = activeFreeze(policy, now);
  const upcoming = nextFreeze(policy, now);
  return {
    approvals,
    order,
    ordered: policy.order.requireDeployedInPrevious,
    autoMerge,
    rollback,
    progression,
    freezes: policy.freezes.map(describeFreeze),
    frozen: active
      ? {
          until: describeInstant(active.until, now),
          untilIso: active.until.toISOString(),
          reason: active.reason,
          message: frozenMessage({ environment, until: active.until, reason: active.reason, now }),
        }
      : null,
    nextFreeze: upcoming
      ? {
          from: describeInstant(upcoming.from, now),
          fromIso: upcoming.from.toISOString(),
          until: describeInstant(upcoming.until, now),
          reason: upcoming.reason,
          message: `${environment} will be frozen from ${describeInstant(upcoming.from, now)} until ${describeInstant(upcoming.until, now)} (${upcoming.reason})`,
          soon: upcoming.from.getTime() - now.getTime() <= 24 * 3_600_000,
        }
      : null,
  };
}

function describeProgression(policy: EnvironmentPolicy, previous: string): string {
  const { autoPromote, soakSeconds, gate } = policy.progression;
  if (autoPromote === "manual") return "Only people promote";
  if (autoPromote === "on-release") return "A release CI registers comes in at once";
  const soak = soakSeconds % 60 === 0 ? formatDurationMinutes(soakSeconds / 60) : `${soakSeconds}s`;
  const checked = gate
    ? `, checked ${gate.checks} time${gate.checks === 1 ? "" : "s"} by its gate`
    : "";
  return `A release comes in once it ran synced and healthy in ${previous} for ${soakSeconds === 0 ? "a moment" : soak}${checked}`;
}
