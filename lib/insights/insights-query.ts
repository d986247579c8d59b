import { z } from "zod";
import { GantryError } from "@/lib/errors";

/** The longest period the insights cover at once. */
const MAX_PERIOD_DAYS = 366;
const DEFAULT_PERIOD_DAYS = 28;
const GROUPS = ["team", "app", "environment"] as const;
export type InsightsGroup = (typeof GROUPS)[number];
const BREAKDOWN_SORTS = [
  "name",
  "deployments",
  "leadTime",
  "changeFailureRate",
  "timeToRestore",
] as const;
export type BreakdownSort = (typeof BREAKDOWN_SORTS)[number];

const DAY_MS = 86_400_000;
const isoDate = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "write the date as YYYY-MM-DD")
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), "is not a date");
const slug = z.string().trim().min(1).max(63);

/**
 * /insights' query string: a preset period (`period=7|28|90`, the default
 * 28) or a custom one (`from` and `to`, dates in UTC, both included), the
 * grouping of the breakdown, filters, and the breakdown's sort.
 */
export const InsightsQuerySchema = z
  .object({
    period: z
      .enum(["7", "28", "90", "custom"], {
        error: "choose 7, 28 or 90 (days), or custom with from and to",
      })
      .optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    group: z.enum(GROUPS, { error: "group by team, app or environment" }).default("team"),
    team: slug.optional(),
    app: slug.optional(),
    env: slug.optional(),
    sort: z
      .enum(BREAKDOWN_SORTS, {
        error: "sort by name, deployments, leadTime, changeFailureRate or timeToRestore",
      })
      .default("deployments"),
    dir: z.enum(["asc", "desc"], { error: "sort asc or desc" }).default("desc"),
  })
  .superRefine((query, issues) => {
    // A preset wins over dates the form also sent; without one, dates make the period custom.
    if (!isCustom(query)) return;
    if (query.from === undefined) {
      issues.addIssue({ code: "custom", path: ["from"], message: "a custom period needs from" });
    }
    if (query.to === undefined) {
      issues.addIssue({ code: "custom", path: ["to"], message: "a custom period needs to" });
    }
    if (query.from === undefined || query.to === undefined) return;
    const days = (Date.parse(query.to) - Date.parse(query.from)) / DAY_MS + 1;
    if (days < 1) {
      issues.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    } else if (days > MAX_PERIOD_DAYS) {
      issues.addIssue({
        code: "custom",
        path: ["to"],
        message: `the period may be at most ${MAX_PERIOD_DAYS} days (this one is ${days})`,
      });
    }
  });

function isCustom(query: { period?: string; from?: string; to?: string }): boolean {
  return (
    query.period === "custom" ||
    (query.period === undefined && (query.from !== undefined || query.to !== undefined))
  );
}

export type InsightsQuery = z.output<typeof InsightsQuerySchema>;

/** A period of whole UTC days: `from` inclusive, `until` exclusive (midnight after the last day). */
export interface InsightsPeriod {
  from: Date;
  until: Date;
  days: number;
  /** The preset it is, or null for a custom period. */
  preset: number | null;
}

/** The period a query names, at `now` for presets (today included). */
export function resolvePeriod(query: InsightsQuery, now: Date = new Date()): InsightsPeriod {
  if (isCustom(query) && query.from !== undefined && query.to !== undefined) {
    const from = new Date(`${query.from}T00:00:00Z`);
    const until = new Date(Date.parse(`${query.to}T00:00:00Z`) + DAY_MS);
    const days = Math.round((until.getTime() - from.getTime()) / DAY_MS);
    if (days < 1 || days > MAX_PERIOD_DAYS) {
      throw new GantryError(
        "bad_request",
        `the period must be 1–${MAX_PERIOD_DAYS} days, from before to`,
        { details: { field: "to" } },
      );
    }
    return { from, until, days, preset: null };
  }
  const days =
    query.period === undefined || query.period === "custom"
      ? DEFAULT_PERIOD_DAYS
      : Number(query.period);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const until = new Date(today + DAY_MS);
  return { from: new Date(until.getTime() - days * DAY_MS), until, days, preset: days };
}

/** YYYY-MM-DD of a UTC date. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
