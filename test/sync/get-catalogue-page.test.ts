import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { getCataloguePage } from "@/lib/sync/get-catalogue-page";
import { getClustersPage } from "@/lib/sync/get-clusters-page";
import { AUDITOR, VIEWER } from "@/test/audit/support";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
} from "@/test/catalogue/gitops-fixture";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

describe("the catalogue and clusters pages' view models", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    const repo = createGitopsFixture();
    repo.commit(
      {
        "environments.yaml": ENVIRONMENTS_YAML,
        "charts/web-service/Chart.yaml": CHART_YAML,
        ...appFiles("alpha", "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
        ...appFiles("bravo", "search", { dev: "2.0.0", staging: "2.0.0", prod: "2.0.0" }),
      },
      "fleet",
    );
    database = await createTestDatabase();
    await importCatalogue({
      db: database.db,
      git: repo.provider,
      versionPath: "image.tag",
      trigger: "test",
    });
  });
  afterAll(async () => {
    await database.drop();
  });

  it("refuses a query it cannot read, saying what was wrong, before reading anything", async () => {
    const view = await getCataloguePage({ db: database.db, searchParams: { size: "7" } });
    expect(view.ok).toBe(false);
    if (view.ok) return;
    expect(view.errors.length).toBeGreaterThan(0);
  });

  it("gives the page, the filter choices and no freezes or demo clusters on a plain fleet", async () => {
    const view = await getCataloguePage({ db: database.db, searchParams: {} });
    if (!view.ok) throw new Error(view.errors.join("; "));
    expect(view.page.rows.map((row) => row.slug)).toEqual(["alpha", "bravo"]);
    expect(view.facets.teams.map((team) => team.slug).sort()).toEqual(["payments", "search"]);
    expect(view.frozen).toEqual({});
    expect(view.demoClusters).toBe(0);
    expect(view.filtered).toBe(false);
  });

  it("says the view is filtered, so an empty result reads as 'nothing matches'", async () => {
    const view = await getCataloguePage({
      db: database.db,
      searchParams: { differs: "1", team: "search" },
    });
    if (!view.ok) throw new Error(view.errors.join("; "));
    expect(view.filtered).toBe(true);
    expect(view.page.total).toBe(0);
  });

  it("lists every cluster, and the environments to register into only for those who manage clusters", async () => {
    const admin = await getClustersPage({
      db: database.db,
      principal: AUDITOR,
      staleAfterSeconds: 120,
    });
    expect(admin.manage).toBe(true);
    expect(admin.clusters.map((cluster) => cluster.name).sort()).toEqual([
      "dev-eu-1",
      "prod-eu-1",
      "prod-us-1",
      "staging-eu-1",
    ]);
    expect(admin.environments.map((environment) => environment.name)).toEqual([
      "dev",
      "staging",
      "prod",
    ]);
    const viewer = await getClustersPage({
      db: database.db,
      principal: VIEWER,
      staleAfterSeconds: 120,
    });
    expect(viewer.manage).toBe(false);
    expect(viewer.environments).toEqual([]);
    expect(viewer.clusters).toHaveLength(4);
  });
});
