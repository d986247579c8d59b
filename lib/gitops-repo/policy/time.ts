/**
 * Time-zone arithmetic for freeze windows, on the platform's Intl data (the
 * same the cron library uses), and the words a freeze is shown in.
 */

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** True for a time zone Intl knows by name, such as Europe/Berlin or UTC. */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    // RangeError is Intl's only way of saying "no such zone".
    return false;
  }
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    offsetFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at `instant`, in milliseconds (Berlin in summer: +7,200,000). */
function offsetAt(instant: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wallAsUtc = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  return wallAsUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * `start` plus `minutes` of wall-clock time in `timeZone`: a window from
 * Friday 18:00 lasting 62h ends Monday 08:00 local time even when the clocks
 * change over the weekend (then it lasts 61 or 63 real hours). A local end
 * time that does not exist (in the spring gap) moves forward past the gap.
 */
export function addWallClockMinutes(start: Date, minutes: number, timeZone: string): Date {
  const wallEnd = start.getTime() + offsetAt(start.getTime(), timeZone) + minutes * 60_000;
  let guess = wallEnd - offsetAt(wallEnd, timeZone);
  guess = wallEnd - offsetAt(guess, timeZone);
  return new Date(guess);
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/;

/** "62h", "90m", "2d", "1d12h" → minutes; null when it is not a duration. */
export function parseDurationMinutes(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === "") return null;
  const [, days, hours, minutes] = match;
  return Number(days ?? 0) * 1440 + Number(hours ?? 0) * 60 + Number(minutes ?? 0);
}

const SECONDS_DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** "30m", "1h30m", "90s", "2d" → seconds; null when it is not a duration. */
export function parseDurationSeconds(text: string): number | null {
  const trimmed = text.trim().replace(/\s+/g, "");
  const match = SECONDS_DURATION.exec(trimmed);
  if (!match || trimmed === "") return null;
  const [, days, hours, minutes, seconds] = match;
  return (
    Number(days ?? 0) * 86_400 +
    Number(hours ?? 0) * 3_600 +
    Number(minutes ?? 0) * 60 +
    Number(seconds ?? 0)
  );
}

/** 3720 → "62h", 90 → "1h 30m", 2880 → "2d". */
export function formatDurationMinutes(total: number): string {
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  if (days > 0 && hours === 0 && minutes === 0) return `${days}d`;
  const allHours = days * 24 + hours;
  const parts: string[] = [];
  if (allHours > 0) parts.push(`${allHours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  return parts.join(" ") || "0m";
}

const WEEKDAY_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  weekday: "long",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/**
 * An instant in words, in UTC (the server cannot know the reader's zone):
 * within the coming week by weekday ("Monday 08:00 UTC"), further away with
 * its date ("Sun 2 Jan 2028, 07:00 UTC").
 */
export function describeInstant(instant: Date, now: Date): string {
  const ahead = instant.getTime() - now.getTime();
  if (ahead >= 0 && ahead < 6 * 24 * 3_600_000) {
    return `${WEEKDAY_TIME.format(instant).replace(" at", "")} UTC`;
  }
  return `${DATE_TIME.format(instant).replace(" at", ",")} UTC`;
}
