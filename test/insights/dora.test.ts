import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { PromotionState } from "@/lib/generated/prisma/enums";
import type { Person } from "@/lib/identity/principal";
import { DEMO_HISTORY_REASON } from "@/lib/insights/demo-marker";
import { getDoraMeasures } from "@/lib/insights/dora-measures";
import { getInsightsPage } from "@/lib/insights/get-insights-page";
import { InsightsQuerySchema } from "@/lib/insights/insights-query";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

/**
 * A hand-made set of promotions with known answers. The period is the 7
 * days 2026-03-10 … 2026-03-16 (now is Monday 2026-03-16 12:00 UTC).
 */
const NOW = new Date("2026-03-16T12:00:00Z");
const VIEWER: Person = {
  kind: "person",
  id: "user-viewer",
  name: "Vicky Viewer",
  email: "vicky@example.com",
  roles: ["viewer"],
  teams: [],
  approverEnvironments: [],
  breakGlass: false,
  gitLogin: null,
};
const t = (iso: string) => new Date(`2026-03-${iso}:00Z`);

let database: TestDatabase;
let db: PrismaClient;

interface Made {
  app: string;
  env: string;
  state: PromotionState;
  reason?: string;
  prOpenedAt?: Date;
  mergedAt?: Date;
  deployedAt?: Date;
  failedAt?: Date;
  endedAt?: Date;
  leadTimeSeconds?: number;
}

async function world(): Promise<void> {
  const alpha = await db.team.create({ data: { slug: "alpha", name: "Alpha" } });
  const beta = await db.team.create({ data: { slug: "beta", name: "Beta" } });
  const apps = new Map<string, string>();
  for (const [slug, teamId] of [
    ["a1", alpha.id],
    ["a2", alpha.id],
    ["b1", beta.id],
  ] as const) {
    const app = await db.application.create({
      data: { slug, name: slug, teamId, chart: "service", lastCommit: "0".repeat(40) },
    });
    apps.set(slug, app.id);
  }
  const envs = new Map<string, string>();
  for (const [name, position] of [
    ["dev", 0],
    ["prod", 1],
  ] as const) {
    const env = await db.environment.create({ data: { name, displayName: name, position } });
    envs.set(name, env.id);
  }
  const made: Made[] = [
    // P1: deployed, lead 2 h (from the timestamps). Demo history.
    {
      app: "a1",
      env: "prod",
      state: "deployed",
      reason: DEMO_HISTORY_REASON,
      prOpenedAt: t("10T00:00"),
      mergedAt: t("10T01:00"),
      deployedAt: t("10T02:00"),
    },
    // P2: deployed (lead 4 h), then rolled back: a failure from 04:00 …
    {
      app: "a1",
      env: "prod",
      state: "rolled_back",
      prOpenedAt: t("11T00:00"),
      mergedAt: t("11T03:00"),
      deployedAt: t("11T04:00"),
      endedAt: t("11T05:00"),
    },
    // P3: … restored by the rollback deployed at 05:00 (1 h); lead 30 min.
    {
      app: "a1",
      env: "prod",
      state: "deployed",
      prOpenedAt: t("11T04:30"),
      mergedAt: t("11T04:45"),
      deployedAt: t("11T05:00"),
    },
    // P4: the pull request job failed, never retried: a failure from 03-12 10:00 …
    { app: "a2", env: "prod", state: "failed", failedAt: t("12T10:00") },
    // P5: … restored by this one, deployed a day later; lead as recorded (14000 s), not the timestamps' 4 h.
    {
      app: "a2",
      env: "prod",
      state: "deployed",
      prOpenedAt: t("13T06:00"),
      mergedAt: t("13T08:00"),
      deployedAt: t("13T10:00"),
      leadTimeSeconds: 14_000,
    },
    // P6: merged, not deployed yet: a change, no deployment.
    { app: "b1", env: "prod", state: "merged", prOpenedAt: t("14T00:00"), mergedAt: t("14T01:00") },
    // P7: failed once, retried and deployed: not a failure; lead 2 h.
    {
      app: "b1",
      env: "prod",
      state: "deployed",
      failedAt: t("15T00:00"),
      prOpenedAt: t("15T01:00"),
      mergedAt: t("15T02:00"),
      deployedAt: t("15T03:00"),
    },
    // P8: failed and closed: a failure never restored.
    { app: "b1", env: "prod", state: "closed", failedAt: t("15T10:00"), endedAt: t("15T11:00") },
    // P9: before the period.
    {
      app: "a1",
      env: "prod",
      state: "deployed",
      prOpenedAt: t("09T20:00"),
      mergedAt: t("09T22:00"),
      deployedAt: t("09T23:00"),
    },
    // P10: dev, in the period: only in the breakdown by environment.
    {
      app: "a1",
      env: "dev",
      state: "deployed",
      prOpenedAt: t("12T00:00"),
      mergedAt: t("12T00:10"),
      deployedAt: t("12T00:20"),
    },
  ];
  let n = 0;
  for (const p of made) {
    n += 1;
    await db.promotion.create({
      data: {
        applicationId: apps.get(p.app) ?? "",
        toEnvironmentId: envs.get(p.env) ?? "",
        version: `1.0.${n}`,
        previousVersion: `1.0.${n - 1}`,
        reason: p.reason ?? "Tested in dev",
        requestedByName: "Alice",
        requestedByEmail: "alice@example.com",
        planDiff: "",
        valuesPath: `apps/${p.app}/envs/${p.env}/values.yaml`,
        baseCommit: "0".repeat(40),
        branch: `gantry/promote/${p.app}/${p.env}/1.0.${n}`,
        state: p.state,
        createdAt: p.prOpenedAt ?? p.failedAt ?? NOW,
        prOpenedAt: p.prOpenedAt,
        mergedAt: p.mergedAt,
        deployedAt: p.deployedAt,
        failedAt: p.failedAt,
        endedAt: p.endedAt,
        leadTimeSeconds: p.leadTimeSeconds,
      },
    });
  }
}

function query(raw: Record<string, string>) {
  return InsightsQuerySchema.parse(raw);
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await world();
});

afterAll(async () => {
  await database?.drop();
});

describe("DORA measures in SQL", () => {
  it("measures production over the period with the known answers", async () => {
    const m = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ period: "7" }),
      now: NOW,
    });
    expect(m.period).toEqual({ from: "2026-03-10", to: "2026-03-16", days: 7, preset: 7 });
    expect(m.measuredEnvironment).toBe("prod");
    const total = m.totals;
    // Deployments: P1, P2, P3, P5, P7 by three applications.
    expect(total.deployments).toBe(5);
    expect(total.applications).toBe(3);
    expect(total.deploymentsPerDay).toBeCloseTo(5 / 7);
    expect(total.deploymentsPerApplicationPerDay).toBeCloseTo(5 / 3 / 7);
    expect(m.daily).toEqual([
      { day: "2026-03-10", deployments: 1 },
      { day: "2026-03-11", deployments: 2 },
      { day: "2026-03-12", deployments: 0 },
      { day: "2026-03-13", deployments: 1 },
      { day: "2026-03-14", deployments: 0 },
      { day: "2026-03-15", deployments: 1 },
      { day: "2026-03-16", deployments: 0 },
    ]);
    // Lead times 1800, 7200, 7200, 14000, 14400: median 7200, p90 14000 + 0.6 × 400.
    expect(total.leadTimeMedianSeconds).toBe(7_200);
    expect(total.leadTimeP90Seconds).toBeCloseTo(14_240);
    // Changes P1–P8; failures P2 (rolled back), P4 (failed), P8 (failed, closed).
    expect(total.changes).toBe(8);
    expect(total.failures).toBe(3);
    expect(total.changeFailureRate).toBeCloseTo(3 / 8);
    // Restores: P2 in 1 h, P4 in 24 h; P8 not restored.
    expect(total.restoreFailures).toBe(3);
    expect(total.restored).toBe(2);
    expect(total.timeToRestoreMedianSeconds).toBe(45_000);
    expect(total.timeToRestoreP90Seconds).toBeCloseTo(3_600 + 0.9 * 82_800);
    expect(m.bands).toEqual({
      deploymentFrequency: "high",
      leadTime: "elite",
      changeFailureRate: "low",
      timeToRestore: "high",
    });
    expect(m.demoPromotions).toBe(1);
    expect(m.promotions).toBe(8);
  });

  it("gives weekly series over the ISO weeks the period touches", async () => {
    const m = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ period: "7" }),
      now: NOW,
    });
    expect(m.leadTimeWeekly.map((w) => [w.week, w.deployments, w.medianSeconds])).toEqual([
      ["2026-03-09", 5, 7_200],
      ["2026-03-16", 0, null],
    ]);
    expect(m.changeFailureWeekly.map((w) => [w.week, w.changes, w.failures])).toEqual([
      ["2026-03-09", 8, 3],
      ["2026-03-16", 0, 0],
    ]);
    expect(m.restoreWeekly[0]).toMatchObject({ week: "2026-03-09", failures: 3, restored: 2 });
  });

  it("breaks the measures down by team, application and environment", async () => {
    const byTeam = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ period: "7", group: "team" }),
      now: NOW,
    });
    expect(
      byTeam.breakdown.map((r) => [r.key, r.deployments, r.changes, r.failures, r.restored]),
    ).toEqual([
      ["alpha", 4, 5, 2, 2],
      ["beta", 1, 3, 1, 0],
    ]);
    const byEnvironment = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ period: "7", group: "environment" }),
      now: NOW,
    });
    expect(byEnvironment.breakdown.map((r) => [r.key, r.deployments])).toEqual([
      ["dev", 1],
      ["prod", 5],
    ]);
    // The headline stays production.
    expect(byEnvironment.totals.deployments).toBe(5);
    const byApp = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ period: "7", group: "app", team: "alpha" }),
      now: NOW,
    });
    expect(
      byApp.breakdown.map((r) => [r.key, r.deployments, r.timeToRestoreMedianSeconds]),
    ).toEqual([
      ["a1", 3, 3_600],
      ["a2", 1, 86_400],
    ]);
  });

  it("filters by application and environment, and by a custom period", async () => {
    const a2 = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ period: "7", app: "a2" }),
      now: NOW,
    });
    expect(a2.totals).toMatchObject({ deployments: 1, changes: 2, failures: 1 });
    const dev = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ period: "7", env: "dev" }),
      now: NOW,
    });
    expect(dev.measuredEnvironment).toBe("dev");
    expect(dev.totals).toMatchObject({ deployments: 1, leadTimeMedianSeconds: 1_200 });
    const custom = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: query({ from: "2026-03-09", to: "2026-03-11" }),
      now: NOW,
    });
    expect(custom.period).toMatchObject({ from: "2026-03-09", to: "2026-03-11", days: 3 });
    // P9 (03-09), P1 (03-10), P2 and P3 (03-11).
    expect(custom.totals.deployments).toBe(4);
    expect(custom.daily.map((d) => d.deployments)).toEqual([1, 1, 2]);
  });

  it("names teams and environments as people know them, not by slug", async () => {
    const byTeam = await getInsightsPage({
      db,
      principal: VIEWER,
      searchParams: { period: "7", group: "team" },
      now: NOW,
    });
    if (!byTeam.ok) throw new Error(byTeam.errors.join("; "));
    expect(byTeam.names).toEqual({ alpha: "Alpha", beta: "Beta" });
    const filtered = await getInsightsPage({
      db,
      principal: VIEWER,
      searchParams: { period: "7", group: "environment", team: "alpha" },
      now: NOW,
    });
    if (!filtered.ok) throw new Error(filtered.errors.join("; "));
    expect(filtered.scopeWords).toMatch(/, team Alpha$/);
    expect(filtered.names).toMatchObject({ alpha: "Alpha", dev: "dev", prod: "prod" });
  });

  it("refuses a signed-out caller", async () => {
    await expect(
      getDoraMeasures({ db, principal: null, query: query({}), now: NOW }),
    ).rejects.toMatchObject({ code: "unauthenticated" });
  });
});

describe("insights query", () => {
  it("explains a bad parameter by name", () => {
    const period = InsightsQuerySchema.safeParse({ period: "14" });
    expect(period.success).toBe(false);
    expect(period.error?.issues[0]?.path).toEqual(["period"]);
    const long = InsightsQuerySchema.safeParse({ from: "2025-01-01", to: "2026-03-01" });
    expect(long.error?.issues[0]).toMatchObject({ path: ["to"] });
    expect(long.error?.issues[0]?.message).toMatch(/at most 366 days/);
    const half = InsightsQuerySchema.safeParse({ from: "2026-01-01" });
    expect(half.error?.issues[0]).toMatchObject({
      path: ["to"],
      message: "a custom period needs to",
    });
    const group = InsightsQuerySchema.safeParse({ group: "cluster" });
    expect(group.error?.issues[0]?.path).toEqual(["group"]);
    const date = InsightsQuerySchema.safeParse({ from: "2026-02-30x", to: "2026-03-01" });
    expect(date.error?.issues[0]?.path).toEqual(["from"]);
  });
});
