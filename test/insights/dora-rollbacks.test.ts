import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { PromotionKind, PromotionState } from "@/lib/generated/prisma/enums";
import type { Person } from "@/lib/identity/principal";
import { getDoraMeasures } from "@/lib/insights/dora-measures";
import { InsightsQuerySchema } from "@/lib/insights/insights-query";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

/**
 * Rollbacks and promotions rules opened, in the DORA measures: the period is
 * 2026-03-10 … 2026-03-16 (now is 2026-03-16 12:00 UTC), production only.
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

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const team = await db.team.create({ data: { slug: "alpha", name: "Alpha" } });
  const app = await db.application.create({
    data: { slug: "a1", name: "a1", teamId: team.id, chart: "service", lastCommit: "0".repeat(40) },
  });
  const prod = await db.environment.create({
    data: { name: "prod", displayName: "prod", position: 0 },
  });
  let n = 0;
  const make = async (p: {
    kind?: PromotionKind;
    state: PromotionState;
    by: string;
    prOpenedAt: Date;
    mergedAt: Date;
    deployedAt?: Date;
    rollsBackId?: string;
  }) => {
    n += 1;
    const row = await db.promotion.create({
      data: {
        kind: p.kind ?? "promote",
        rollsBackId: p.rollsBackId,
        applicationId: app.id,
        toEnvironmentId: prod.id,
        version: `1.0.${n}`,
        previousVersion: `1.0.${n - 1}`,
        reason: "release",
        requestedByName: p.by,
        requestedByEmail: "gantry@localhost",
        planDiff: "",
        valuesPath: "apps/a1/envs/prod/values.yaml",
        baseCommit: "0".repeat(40),
        branch: `gantry/promote/a1/prod/1.0.${n}`,
        state: p.state,
        createdAt: p.prOpenedAt,
        prOpenedAt: p.prOpenedAt,
        mergedAt: p.mergedAt,
        deployedAt: p.deployedAt,
      },
      select: { id: true },
    });
    return row.id;
  };
  // Opened by a progression rule, deployed: lead 2 h.
  await make({
    state: "deployed",
    by: "Progression rule (prod)",
    prOpenedAt: t("10T00:00"),
    mergedAt: t("10T01:00"),
    deployedAt: t("10T02:00"),
  });
  // A person's, deployed (lead 4 h), then taken out by the rollback below: a failed change,
  // though its own state still reads deployed (the rollback named it).
  const bad = await make({
    state: "deployed",
    by: "Alice",
    prOpenedAt: t("11T00:00"),
    mergedAt: t("11T03:00"),
    deployedAt: t("11T04:00"),
  });
  // The automatic rollback, deployed at 05:00: a deployment, not a change, no lead time.
  await make({
    kind: "rollback",
    state: "deployed",
    by: "Automatic rollback rule (prod)",
    rollsBackId: bad,
    prOpenedAt: t("11T04:30"),
    mergedAt: t("11T04:45"),
    deployedAt: t("11T05:00"),
  });
});

afterAll(async () => {
  await database?.drop();
});

describe("DORA measures with rollbacks", () => {
  it("count a rollback as a deployment and the change it took out as failed", async () => {
    const m = await getDoraMeasures({
      db,
      principal: VIEWER,
      query: InsightsQuerySchema.parse({ period: "7" }),
      now: NOW,
    });
    const total = m.totals;
    // The rule's promotion, the person's and the rollback all deployed.
    expect(total.deployments).toBe(3);
    // Lead times of the two changes only (2 h, 4 h); the rollback's 30 min would make it 2 h.
    expect(total.leadTimeMedianSeconds).toBe(3 * 3_600);
    // Two changes (the rollback is a repair, not a change), one of them failed.
    expect(total.changes).toBe(2);
    expect(total.failures).toBe(1);
    expect(total.changeFailureRate).toBeCloseTo(0.5);
    // Restored when the rollback deployed, an hour after the bad change went out.
    expect(total.restored).toBe(1);
    expect(total.timeToRestoreMedianSeconds).toBe(3_600);
  });
});
