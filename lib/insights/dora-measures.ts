/*
 * lib/insights owns the DORA measures of deployments, computed in SQL from the promotions.
 */

import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { DEMO_HISTORY_REASON } from "@/lib/insights/demo-marker";
import {
  changeFailureRateBand,
  type DoraBand,
  deploymentFrequencyBand,
  leadTimeBand,
  timeToRestoreBand,
} from "@/lib/insights/dora-bands";
import {
  type InsightsGroup,
  type InsightsPeriod,
  type InsightsQuery,
  isoDay,
  resolvePeriod,
} from "@/lib/insights/insights-query";

/**
 * The four DORA measures, computed in SQL from promotions:
 *
 * - deployment frequency: promotions deployed in the period (deployedAt),
 *   whoever opened them (a person, CI, a rule) and rollbacks too: each is
 *   a deployment;
 * - lead time for changes: pull request opened → deployed
 *   (leadTimeSeconds, else deployedAt − prOpenedAt), of the deployments in
 *   the period that brought a change (a rollback brings none back); median
 *   and p90 (percentile_cont);
 * - change failure rate: of the promotions (not rollbacks: they repair, they
 *   are not changes) that merged or failed in the period (by mergedAt, else
 *   failedAt), those that ended failed — rolled back (a merged rollback
 *   names it), or failed and never retried to a merge (still failed, or
 *   closed or superseded since) — over all of them;
 * - time to restore: from a failure (a failed promotion's failedAt; a
 *   rolled-back one's deployedAt, when the bad change went out) to the next
 *   promotion of the same application and environment that deployed after
 *   it; median and p90 of the failures that started in the period and were
 *   restored.
 *
 * They measure deployments to production (the last environment by
 * position) unless an environment filter names another; a breakdown by
 * environment shows every environment.
 */

interface DailyDeployments {
  day: string;
  deployments: number;
}

interface WeeklyLeadTime {
  /** Monday of the ISO week, YYYY-MM-DD. */
  week: string;
  deployments: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

interface WeeklyChangeFailure {
  week: string;
  changes: number;
  failures: number;
  rate: number | null;
}

interface WeeklyRestore {
  week: string;
  failures: number;
  restored: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/** One group's measures (a team, an application or an environment). */
export interface MeasuresRow {
  key: string;
  deployments: number;
  /** Distinct applications that deployed. */
  applications: number;
  deploymentsPerDay: number;
  deploymentsPerApplicationPerDay: number;
  leadTimeMedianSeconds: number | null;
  leadTimeP90Seconds: number | null;
  changes: number;
  failures: number;
  changeFailureRate: number | null;
  restoreFailures: number;
  restored: number;
  timeToRestoreMedianSeconds: number | null;
  timeToRestoreP90Seconds: number | null;
}

export interface DoraMeasures {
  period: { from: string; to: string; days: number; preset: number | null };
  groupBy: InsightsGroup;
  filters: { team: string | null; app: string | null; env: string | null };
  /** The environment the headline measures are of; null when there is none. */
  measuredEnvironment: string | null;
  /** How many of the promotions measured come from the generated demo history. */
  demoPromotions: number;
  /** How many promotions are measured in all. */
  promotions: number;
  totals: MeasuresRow;
  bands: {
    deploymentFrequency: DoraBand | null;
    leadTime: DoraBand | null;
    changeFailureRate: DoraBand | null;
    timeToRestore: DoraBand | null;
  };
  daily: DailyDeployments[];
  leadTimeWeekly: WeeklyLeadTime[];
  changeFailureWeekly: WeeklyChangeFailure[];
  restoreWeekly: WeeklyRestore[];
  breakdown: MeasuresRow[];
}

interface Scope {
  period: InsightsPeriod;
  team?: string;
  app?: string;
  /** Environment names measured; null: every environment. */
  environments: string[] | null;
}

const GROUP_KEY: Record<InsightsGroup | "all", Prisma.Sql> = {
  all: Prisma.sql`'all'`,
  team: Prisma.sql`t."slug"`,
  app: Prisma.sql`a."slug"`,
  environment: Prisma.sql`e."name"`,
};

function at(date: Date): Prisma.Sql {
  return Prisma.sql`(${date.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
}

/**
 * The promotions of a scope that may count in the period, with what every
 * measure needs: `lead` (seconds), `failure` (ended failed), `failure_start`.
 */
function scoped(scope: Scope, group: InsightsGroup | "all"): Prisma.Sql {
  const from = at(scope.period.from);
  const until = at(scope.period.until);
  const conditions: Prisma.Sql[] = [
    Prisma.sql`(p."deployedAt" >= ${from} AND p."deployedAt" < ${until}
      OR p."mergedAt" >= ${from} AND p."mergedAt" < ${until}
      OR p."failedAt" >= ${from} AND p."failedAt" < ${until})`,
  ];
  if (scope.team) conditions.push(Prisma.sql`t."slug" = ${scope.team}`);
  if (scope.app) conditions.push(Prisma.sql`a."slug" = ${scope.app}`);
  if (scope.environments) {
    conditions.push(
      scope.environments.length === 0
        ? Prisma.sql`FALSE`
        : Prisma.sql`e."name" IN (${Prisma.join(scope.environments)})`,
    );
  }
  return Prisma.sql`
    s AS (
      SELECT
        ${GROUP_KEY[group]} AS key,
        p.id,
        p."applicationId",
        p."toEnvironmentId",
        p.state,
        p.reason,
        p."mergedAt",
        p."failedAt",
        p."deployedAt",
        CASE WHEN p."deployedAt" >= ${from} AND p."deployedAt" < ${until} THEN p."deployedAt" END
          AS deployed_in,
        CASE WHEN p."deployedAt" IS NOT NULL AND p.kind = 'promote' THEN COALESCE(
          p."leadTimeSeconds"::float8,
          EXTRACT(EPOCH FROM (p."deployedAt" - p."prOpenedAt"))::float8
        ) END AS lead,
        CASE WHEN p.kind = 'promote' AND COALESCE(p."mergedAt", p."failedAt") >= ${from}
              AND COALESCE(p."mergedAt", p."failedAt") < ${until}
          THEN COALESCE(p."mergedAt", p."failedAt") END AS change_at,
        (p.state = 'rolled_back' OR rolled.id IS NOT NULL
          OR (p."failedAt" IS NOT NULL AND p."mergedAt" IS NULL
          AND p.state IN ('failed', 'closed', 'superseded'))) AS failure,
        CASE
          WHEN p.state = 'rolled_back' OR rolled.id IS NOT NULL
            THEN COALESCE(p."deployedAt", p."mergedAt", p."failedAt", p."endedAt")
          WHEN p."failedAt" IS NOT NULL AND p."mergedAt" IS NULL
            AND p.state IN ('failed', 'closed', 'superseded') THEN p."failedAt"
        END AS failure_start
      FROM "Promotion" p
      JOIN "Application" a ON a.id = p."applicationId"
      JOIN "Team" t ON t.id = a."teamId"
      JOIN "Environment" e ON e.id = p."toEnvironmentId"
      LEFT JOIN LATERAL (
        SELECT rb.id FROM "Promotion" rb
        WHERE rb."rollsBackId" = p.id AND rb."mergedAt" IS NOT NULL
        LIMIT 1
      ) rolled ON TRUE
      WHERE ${Prisma.join(conditions, " AND ")}
    ),
    f AS (
      SELECT s.key, s.failure_start,
        (SELECT min(q."deployedAt") FROM "Promotion" q
          WHERE q."applicationId" = s."applicationId"
            AND q."toEnvironmentId" = s."toEnvironmentId"
            AND q.id <> s.id
            AND q."deployedAt" > s.failure_start) AS restored_at
      FROM s
      WHERE s.failure AND s.failure_start >= ${from} AND s.failure_start < ${until}
    ),
    r AS (
      SELECT key, failure_start, restored_at,
        EXTRACT(EPOCH FROM (restored_at - failure_start))::float8 AS restore
      FROM f
    )`;
}

interface RawRow {
  key: string;
  deployments: number;
  applications: number;
  lead_median: number | null;
  lead_p90: number | null;
  changes: number;
  failures: number;
  restore_failures: number;
  restored: number;
  restore_median: number | null;
  restore_p90: number | null;
  promotions: number;
  demo: number;
}

async function measureGroups(
  db: PrismaClient,
  scope: Scope,
  group: InsightsGroup | "all",
): Promise<{ rows: MeasuresRow[]; promotions: number; demo: number }> {
  const raw = await db.$queryRaw<RawRow[]>`
    WITH ${scoped(scope, group)},
    m AS (
      SELECT key,
        count(*) FILTER (WHERE deployed_in IS NOT NULL)::int AS deployments,
        count(DISTINCT "applicationId") FILTER (WHERE deployed_in IS NOT NULL)::int AS applications,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY lead)
          FILTER (WHERE deployed_in IS NOT NULL AND lead IS NOT NULL) AS lead_median,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY lead)
          FILTER (WHERE deployed_in IS NOT NULL AND lead IS NOT NULL) AS lead_p90,
        count(*) FILTER (WHERE change_at IS NOT NULL)::int AS changes,
        count(*) FILTER (WHERE change_at IS NOT NULL AND failure)::int AS failures,
        count(*)::int AS promotions,
        count(*) FILTER (WHERE reason = ${DEMO_HISTORY_REASON})::int AS demo
      FROM s GROUP BY key
    ),
    rr AS (
      SELECT key,
        count(*)::int AS restore_failures,
        count(restored_at)::int AS restored,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY restore) AS restore_median,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY restore) AS restore_p90
      FROM r GROUP BY key
    )
    SELECT m.*, COALESCE(rr.restore_failures, 0)::int AS restore_failures,
      COALESCE(rr.restored, 0)::int AS restored, rr.restore_median, rr.restore_p90
    FROM m LEFT JOIN rr ON rr.key = m.key`;
  const days = scope.period.days;
  let promotions = 0;
  let demo = 0;
  const rows = raw.map((row) => {
    promotions += row.promotions;
    demo += row.demo;
    return {
      key: row.key,
      deployments: row.deployments,
      applications: row.applications,
      deploymentsPerDay: row.deployments / days,
      deploymentsPerApplicationPerDay:
        row.applications === 0 ? 0 : row.deployments / row.applications / days,
      leadTimeMedianSeconds: row.lead_median,
      leadTimeP90Seconds: row.lead_p90,
      changes: row.changes,
      failures: row.failures,
      changeFailureRate: row.changes === 0 ? null : row.failures / row.changes,
      restoreFailures: row.restore_failures,
      restored: row.restored,
      timeToRestoreMedianSeconds: row.restore_median,
      timeToRestoreP90Seconds: row.restore_p90,
    };
  });
  return { rows, promotions, demo };
}

function emptyRow(key: string): MeasuresRow {
  return {
    key,
    deployments: 0,
    applications: 0,
    deploymentsPerDay: 0,
    deploymentsPerApplicationPerDay: 0,
    leadTimeMedianSeconds: null,
    leadTimeP90Seconds: null,
    changes: 0,
    failures: 0,
    changeFailureRate: null,
    restoreFailures: 0,
    restored: 0,
    timeToRestoreMedianSeconds: null,
    timeToRestoreP90Seconds: null,
  };
}

async function dailyDeployments(db: PrismaClient, scope: Scope): Promise<DailyDeployments[]> {
  const rows = await db.$queryRaw<{ day: string; deployments: number }[]>`
    WITH ${scoped(scope, "all")},
    days AS (
      SELECT generate_series(${at(scope.period.from)}, ${at(scope.period.until)} - interval '1 day',
        interval '1 day') AS day
    )
    SELECT to_char(days.day, 'YYYY-MM-DD') AS day, count(s.id)::int AS deployments
    FROM days LEFT JOIN s
      ON s.deployed_in >= days.day AND s.deployed_in < days.day + interval '1 day'
    GROUP BY days.day ORDER BY days.day`;
  return rows;
}

/** Mondays of the ISO weeks the period touches. */
function weeksOf(period: InsightsPeriod): string[] {
  const first = new Date(period.from);
  first.setUTCDate(first.getUTCDate() - ((first.getUTCDay() + 6) % 7));
  const weeks: string[] = [];
  for (let week = first; week < period.until; week = new Date(week.getTime() + 7 * 86_400_000)) {
    weeks.push(isoDay(week));
  }
  return weeks;
}

async function weekly(
  db: PrismaClient,
  scope: Scope,
): Promise<{
  leadTime: WeeklyLeadTime[];
  changeFailure: WeeklyChangeFailure[];
  restore: WeeklyRestore[];
}> {
  const [lead, change, restore] = await Promise.all([
    db.$queryRaw<
      { week: string; deployments: number; median: number | null; p90: number | null }[]
    >`
      WITH ${scoped(scope, "all")}
      SELECT to_char(date_trunc('week', deployed_in), 'YYYY-MM-DD') AS week,
        count(*)::int AS deployments,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY lead) AS median,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY lead) AS p90
      FROM s WHERE deployed_in IS NOT NULL AND lead IS NOT NULL GROUP BY 1`,
    db.$queryRaw<{ week: string; changes: number; failures: number }[]>`
      WITH ${scoped(scope, "all")}
      SELECT to_char(date_trunc('week', change_at), 'YYYY-MM-DD') AS week,
        count(*)::int AS changes, count(*) FILTER (WHERE failure)::int AS failures
      FROM s WHERE change_at IS NOT NULL GROUP BY 1`,
    db.$queryRaw<
      {
        week: string;
        failures: number;
        restored: number;
        median: number | null;
        p90: number | null;
      }[]
    >`
      WITH ${scoped(scope, "all")}
      SELECT to_char(date_trunc('week', failure_start), 'YYYY-MM-DD') AS week,
        count(*)::int AS failures, count(restored_at)::int AS restored,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY restore) AS median,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY restore) AS p90
      FROM r GROUP BY 1`,
  ]);
  const weeks = weeksOf(scope.period);
  const leadBy = new Map(lead.map((row) => [row.week, row]));
  const changeBy = new Map(change.map((row) => [row.week, row]));
  const restoreBy = new Map(restore.map((row) => [row.week, row]));
  return {
    leadTime: weeks.map((week) => {
      const row = leadBy.get(week);
      return {
        week,
        deployments: row?.deployments ?? 0,
        medianSeconds: row?.median ?? null,
        p90Seconds: row?.p90 ?? null,
      };
    }),
    changeFailure: weeks.map((week) => {
      const row = changeBy.get(week);
      const changes = row?.changes ?? 0;
      const failures = row?.failures ?? 0;
      return { week, changes, failures, rate: changes === 0 ? null : failures / changes };
    }),
    restore: weeks.map((week) => {
      const row = restoreBy.get(week);
      return {
        week,
        failures: row?.failures ?? 0,
        restored: row?.restored ?? 0,
        medianSeconds: row?.median ?? null,
        p90Seconds: row?.p90 ?? null,
      };
    }),
  };
}

/** The DORA measures of the period, grouping and filters `query` names (see the module comment). */
export async function getDoraMeasures(params: {
  db: PrismaClient;
  principal: Principal | null;
  query: InsightsQuery;
  now?: Date;
}): Promise<DoraMeasures> {
  assertCan(params.principal, "promotion:read");
  const { db, query } = params;
  const period = resolvePeriod(query, params.now);
  const production = await db.environment.findFirst({
    where: { archivedAt: null },
    orderBy: { position: "desc" },
    select: { name: true },
  });
  const measured = query.env ?? production?.name ?? null;
  const headline: Scope = {
    period,
    team: query.team,
    app: query.app,
    environments: measured === null ? [] : [measured],
  };
  const breakdownScope: Scope =
    query.group === "environment" && query.env === undefined
      ? { ...headline, environments: null }
      : headline;
  const [totals, breakdown, daily, series] = await Promise.all([
    measureGroups(db, headline, "all"),
    measureGroups(db, breakdownScope, query.group),
    dailyDeployments(db, headline),
    weekly(db, headline),
  ]);
  const total = totals.rows[0] ?? emptyRow("all");
  return {
    period: {
      from: isoDay(period.from),
      to: isoDay(new Date(period.until.getTime() - 86_400_000)),
      days: period.days,
      preset: period.preset,
    },
    groupBy: query.group,
    filters: { team: query.team ?? null, app: query.app ?? null, env: query.env ?? null },
    measuredEnvironment: measured,
    demoPromotions: breakdown.demo,
    promotions: breakdown.promotions,
    totals: total,
    bands: {
      deploymentFrequency:
        total.deployments === 0
          ? null
          : deploymentFrequencyBand(total.deploymentsPerApplicationPerDay),
      leadTime:
        total.leadTimeMedianSeconds === null ? null : leadTimeBand(total.leadTimeMedianSeconds),
      changeFailureRate:
        total.changeFailureRate === null ? null : changeFailureRateBand(total.changeFailureRate),
      timeToRestore:
        total.timeToRestoreMedianSeconds === null
          ? null
          : timeToRestoreBand(total.timeToRestoreMedianSeconds),
    },
    daily,
    leadTimeWeekly: series.leadTime,
    changeFailureWeekly: series.changeFailure,
    restoreWeekly: series.restore,
    breakdown: breakdown.rows.sort((a, b) => a.key.localeCompare(b.key)),
  };
}
