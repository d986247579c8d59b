import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseCatalogueQuery } from "@/lib/catalogue/catalogue-query";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { listApplications } from "@/lib/catalogue/list-applications";
import type { Db } from "@/lib/db";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { createTestDatabase } from "@/test/support/db";

/** The importer on the demo GitOps repository that `npm start` seeds: the fleet a new user sees. */
describe("importing the demo fleet", () => {
  let dataDir: string;
  let db: Db;
  let drop: () => Promise<void>;
  let provider: LocalGitProvider;
  const runImport = () =>
    importCatalogue({ db, git: provider, versionPath: "image.tag", trigger: "test" });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-demo-import-"));
    await ensureLocalRepository({
      dataDir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 420 }),
    });
    provider = new LocalGitProvider({ dataDir, repository: "gitops", defaultBranch: "main" });
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  // The repository is only read, so the file shares it; each test imports into a database of its own.
  beforeEach(async () => {
    ({ db, drop } = await createTestDatabase());
  });
  afterEach(async () => {
    await drop?.();
  });

  it("imports 420 applications across about 25 teams and four ordered environments without a problem", async () => {
    const result = await runImport();
    expect(result).toMatchObject({ appsSeen: 420, appsCreated: 420, problems: 0 });
    const environments = await db.environment.findMany({
      orderBy: { position: "asc" },
      include: { clusters: true },
    });
    expect(environments.map((e) => e.name)).toEqual(["dev", "test", "staging", "prod"]);
    expect(environments.every((e) => e.clusters.length >= 1)).toBe(true);
    // Policies from environments.yaml, stored normalised; each first one is on the audit chain.
    expect(environments.find((e) => e.name === "prod")?.policy).toMatchObject({
      approvals: { required: 2, team: "prod-approvers" },
      order: { requireDeployedInPrevious: true, requireHealthy: true },
      freezes: [{ kind: "range", reason: "Year-end freeze" }],
    });
    const policyEvents = await db.auditEvent.findMany({
      where: { action: "policy.changed" },
      select: { environment: true },
    });
    expect(policyEvents.map((e) => e.environment).sort()).toEqual([
      "dev",
      "prod",
      "staging",
      "test",
    ]);
    const teams = await db.team.count();
    expect(teams).toBeGreaterThanOrEqual(20);
    expect(teams).toBeLessThanOrEqual(30);
    // Real fleets drift: some apps differ between environments, some do not, some skip environments.
    const differing = await db.application.count({ where: { versionsDiffer: true } });
    expect(differing).toBeGreaterThan(50);
    expect(differing).toBeLessThan(420);
    expect(await db.deploymentTarget.count()).toBeLessThan(420 * 4);
    const links = await db.application.findMany({ select: { links: true }, take: 20 });
    expect(links.every((a) => Array.isArray(a.links) && a.links.length > 0)).toBe(true);
  });

  it("converges: importing the same commit again changes nothing", async () => {
    await runImport();
    const result = await runImport();
    expect(result).toMatchObject({
      appsSeen: 420,
      appsCreated: 0,
      appsUpdated: 0,
      appsArchived: 0,
      problems: 0,
    });
  });

  it("answers the catalogue's first page with every environment column", async () => {
    const parsed = parseCatalogueQuery({});
    if (!parsed.ok) throw new Error("default query must parse");
    await runImport();
    const page = await listApplications({ db, query: parsed.query });
    expect(page.total).toBe(420);
    expect(page.rows).toHaveLength(50);
    expect(page.rows.some((row) => Object.keys(row.versions).length === 4)).toBe(true);
  });
});
