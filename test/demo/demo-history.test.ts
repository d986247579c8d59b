import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { Db } from "@/lib/db";
import { generateDemoHistory } from "@/lib/demo/demo-history";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { Person } from "@/lib/identity/principal";
import { DEMO_HISTORY_NAME_SUFFIX, DEMO_HISTORY_REASON } from "@/lib/insights/demo-marker";
import { getDoraMeasures } from "@/lib/insights/dora-measures";
import { InsightsQuerySchema } from "@/lib/insights/insights-query";
import { createTestDatabase } from "@/test/support/db";

const NOW = new Date("2026-11-20T09:00:00Z");
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

/** The demo history on the demo fleet `npm start` seeds and imports. */
describe("demo history", () => {
  let dataDir: string;
  let db: Db;
  let drop: () => Promise<void>;
  let git: LocalGitProvider;

  // The repository is only read, so the file shares it; each test has a database of its own.
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-demo-history-"));
    await ensureLocalRepository({
      dataDir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 120 }),
    });
    git = new LocalGitProvider({ dataDir, repository: "gitops", defaultBranch: "main" });
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    ({ db, drop } = await createTestDatabase());
    await importCatalogue({ db, git, versionPath: "image.tag", trigger: "test" });
  });
  afterEach(async () => {
    await drop?.();
  });

  it("writes weeks of marked promotions through the state machine, with events and audit events", {
    timeout: 240_000,
  }, async () => {
    const progress: number[] = [];
    const result = await generateDemoHistory({
      db,
      now: NOW,
      applications: 6,
      onProgress: (done) => progress.push(done),
    });
    expect(result.skipped).toBeNull();
    expect(result.applications).toBe(6);
    expect(progress.at(-1)).toBe(6);
    const promotions = await db.promotion.findMany({
      select: {
        id: true,
        reason: true,
        requestedByName: true,
        createdAt: true,
        state: true,
        prNumber: true,
      },
    });
    expect(promotions.length).toBe(result.promotions);
    expect(promotions.length).toBeGreaterThan(6 * 4 * 4);
    for (const p of promotions) {
      expect(p.reason).toBe(DEMO_HISTORY_REASON);
      expect(p.requestedByName.endsWith(DEMO_HISTORY_NAME_SUFFIX)).toBe(true);
      expect(p.prNumber).toBeNull();
      expect(p.createdAt.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 6 * 7 * 86_400_000);
    }
    // Each promotion's history (its audit events) starts with its request, at the time it happened.
    for (const p of promotions.slice(0, 10)) {
      const events = await listPromotionEvents({ db, promotionId: p.id });
      expect(events[0]?.toState).toBe("planned");
      expect(Date.parse(events[0]?.at ?? "")).toBe(p.createdAt.getTime());
      for (const event of events) expect(Date.parse(event.at)).toBeLessThanOrEqual(NOW.getTime());
    }
    const states = new Set(promotions.map((p) => p.state));
    expect([...states].sort()).toEqual(["closed", "deployed", "rolled_back"]);
    // One audit event per state entered, at the time it happened: at least the request and an end.
    const audit = await db.auditEvent.findMany({
      where: { action: { startsWith: "promotion." } },
      select: { at: true, actorName: true },
    });
    expect(audit.length).toBeGreaterThanOrEqual(2 * promotions.length);
    expect(audit.every((e) => e.actorName.endsWith(DEMO_HISTORY_NAME_SUFFIX))).toBe(true);
    expect(Math.min(...audit.map((e) => e.at.getTime()))).toBeLessThan(
      NOW.getTime() - 30 * 86_400_000,
    );
  });

  describe("once generated", () => {
    beforeEach(async () => {
      const first = await generateDemoHistory({ db, now: NOW, applications: 6 });
      expect(first.skipped).toBeNull();
    });

    it("makes every measure meaningful, and says the data is demo history", async () => {
      const m = await getDoraMeasures({
        db,
        principal: VIEWER,
        query: InsightsQuerySchema.parse({ period: "28" }),
        now: NOW,
      });
      expect(m.demoPromotions).toBe(m.promotions);
      expect(m.totals.deployments).toBeGreaterThan(20);
      expect(m.daily.filter((d) => d.deployments > 0).length).toBeGreaterThan(10);
      expect(m.totals.leadTimeMedianSeconds).toBeGreaterThan(0);
      expect(m.totals.failures).toBeGreaterThan(0);
      expect(m.totals.changeFailureRate).toBeLessThan(0.3);
      expect(m.totals.restored).toBeGreaterThan(0);
      expect(m.breakdown.length).toBeGreaterThan(1);
      expect(Object.values(m.bands).every((band) => band !== null)).toBe(true);
    });

    it("adds nothing on a second run, and nothing once real promotions are older than a day", async () => {
      const before = await db.promotion.count();
      const again = await generateDemoHistory({ db, now: NOW, applications: 6 });
      expect(again).toMatchObject({ skipped: "already generated", promotions: 0 });
      expect(await db.promotion.count()).toBe(before);
      // A real promotion from two days ago: a database in use gets no history at all.
      const sample = await db.promotion.findFirstOrThrow({
        select: { applicationId: true, toEnvironmentId: true },
      });
      await db.promotion.create({
        data: {
          ...sample,
          version: "9.9.9",
          previousVersion: "9.9.8",
          reason: "Verified in staging",
          requestedByName: "Alice",
          requestedByEmail: "alice@example.com",
          planDiff: "",
          valuesPath: "x",
          baseCommit: "0".repeat(40),
          branch: "gantry/promote/x/prod/9.9.9",
          createdAt: new Date(NOW.getTime() - 2 * 86_400_000),
        },
      });
      const more = await generateDemoHistory({ db, now: NOW, applications: 20 });
      expect(more.skipped).toMatch(/older than a day/);
      expect(await db.promotion.count()).toBe(before + 1);
    });
  });
});
