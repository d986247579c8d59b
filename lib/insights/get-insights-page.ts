import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Principal } from "@/lib/identity/principal";
import { type DoraMeasures, getDoraMeasures } from "@/lib/insights/dora-measures";
import { type InsightsQuery, InsightsQuerySchema } from "@/lib/insights/insights-query";

/** What /insights shows: the measures, the query they answer, and the URL's values to build links from. */
export type InsightsPageView =
  | { ok: false; errors: string[] }
  | {
      ok: true;
      query: InsightsQuery;
      measures: DoraMeasures;
      /** The URL's parameters as given (the period as written), for links that change one of them. */
      link: Record<
        "period" | "from" | "to" | "group" | "team" | "app" | "env" | "sort" | "dir",
        string | undefined
      >;
      /**
       * How people know each breakdown key and filter: a team's or an app's
       * name, an environment's display name, by slug (or environment name).
       * A key with no entry (deleted since) shows as itself.
       */
      names: Record<string, string>;
      /** The environment measured ("production" when none is configured). */
      environment: string;
      /** The period and filters in words, for the page's description. */
      scopeWords: string;
    };

/**
 * The view model of /insights: the URL's parameters validated (each problem
 * naming its parameter), then the DORA measures over the period, with the
 * period and filters in words.
 */
export async function getInsightsPage(params: {
  db: PrismaClient;
  principal: Principal;
  searchParams: Record<string, string | string[] | undefined>;
  now?: Date;
}): Promise<InsightsPageView> {
  const raw = Object.fromEntries(
    Object.entries(params.searchParams).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== "",
    ),
  );
  const parsed = InsightsQuerySchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    };
  }
  const query = parsed.data;
  const m = await getDoraMeasures({
    db: params.db,
    principal: params.principal,
    query,
    now: params.now,
  });
  const names = await namesOf(params.db, query.group, m);
  const named = (key: string) => names[key] ?? key;
  const environment = m.measuredEnvironment ?? "production";
  const period =
    m.period.preset === null
      ? `${m.period.from} to ${m.period.to} (${m.period.days} days, UTC)`
      : `the last ${m.period.days} days (${m.period.from} to ${m.period.to}, UTC)`;
  const scope = [
    m.filters.team ? `team ${named(m.filters.team)}` : null,
    m.filters.app ? `application ${named(m.filters.app)}` : null,
  ]
    .filter(Boolean)
    .join(", ");
  return {
    ok: true,
    query,
    measures: m,
    link: {
      period: raw.period,
      from: raw.from,
      to: raw.to,
      group: query.group,
      team: query.team,
      app: query.app,
      env: query.env,
      sort: query.sort,
      dir: query.dir,
    },
    names,
    environment,
    scopeWords: `${period}${scope ? `, ${scope}` : ""}`,
  };
}

/** Display names of the breakdown's keys and of the team and app filters (slugs in the SQL). */
async function namesOf(
  db: PrismaClient,
  group: InsightsQuery["group"],
  m: DoraMeasures,
): Promise<Record<string, string>> {
  const keys = m.breakdown.map((row) => row.key);
  const teams = [...(group === "team" ? keys : []), ...(m.filters.team ? [m.filters.team] : [])];
  const apps = [...(group === "app" ? keys : []), ...(m.filters.app ? [m.filters.app] : [])];
  const environments = group === "environment" ? keys : [];
  const [teamRows, appRows, environmentRows] = await Promise.all([
    teams.length === 0
      ? []
      : db.team.findMany({ where: { slug: { in: teams } }, select: { slug: true, name: true } }),
    apps.length === 0
      ? []
      : db.application.findMany({
          where: { slug: { in: apps } },
          select: { slug: true, name: true },
        }),
    environments.length === 0
      ? []
      : db.environment.findMany({
          where: { name: { in: environments } },
          select: { name: true, displayName: true },
        }),
  ]);
  return Object.fromEntries([
    ...teamRows.map((t) => [t.slug, t.name] as const),
    ...appRows.map((a) => [a.slug, a.name] as const),
    ...environmentRows.map((e) => [e.name, e.displayName] as const),
  ]);
}
