import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getImportReport } from "@/lib/catalogue/get-import-report";
import { listImportRuns } from "@/lib/catalogue/list-imports";
import { pathsMonorepo } from "./fixtures";
import { adopt, type World } from "./world";

/** The paths monorepo with 60 more apps, a rule that finds nothing, and two files to skip. */
function fleet(): Record<string, string> {
  const files = pathsMonorepo();
  const layout = files["gantry.yaml"] ?? "";
  files["gantry.yaml"] = layout.replace(
    "    version: image.tag\nmetadata:",
    '    version: image.tag\n  - kind: kustomize\n    template: "overlays/{env}/kustomization.yaml"\nmetadata:',
  );
  for (let i = 0; i < 60; i++) {
    const slug = `svc-${String(i).padStart(2, "0")}`;
    files[`dev/search/${slug}/values.yaml`] = `image:\n  tag: 1.${i}.0\n`;
  }
  files["qa/payments/checkout-api/values.yaml"] = "image:\n  tag: 9.9.9\n";
  files["dev/payments/broken/values.yaml"] = "image:\n  tag: [1.0\n";
  return files;
}

describe("the /imports report: what the layout found at the last import", () => {
  let world: World;
  const report = async (searchParams: Record<string, string> = {}) => {
    const view = await getImportReport({ db: world.ctx.db, searchParams });
    if (!view.ok) throw new Error(view.errors.join("; "));
    return view.report;
  };

  beforeAll(async () => {
    world = await adopt(fleet());
    await world.importNow();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("names the layout file and each rule with its apps and cells, a rule that found nothing too", async () => {
    const { discovery, environments } = await report();
    expect(discovery).toEqual({
      layoutFile: "gantry.yaml",
      rules: [
        { label: "paths {env}/{team}/{app}/values.yaml", apps: 63, cells: 66 },
        { label: "kustomize overlays/{env}/kustomization.yaml", apps: 0, cells: 0 },
      ],
    });
    expect(environments.map((e) => e.name)).toEqual(["dev", "staging", "prod"]);
  });

  it("pages the cells in the database, each with its file and locator as layout check prints it", async () => {
    const first = await report();
    expect(first.cells).toMatchObject({ total: 65, page: 1, pageSize: 50, pageCount: 2 });
    expect(first.cells.rows).toHaveLength(50);
    expect(first.cells.rows.slice(0, 3)).toEqual([
      {
        app: "checkout-api",
        appName: "checkout-api",
        environment: "dev",
        version: "2.4.0",
        file: "dev/payments/checkout-api/values.yaml",
        locators: ["dev/payments/checkout-api/values.yaml → image.tag"],
      },
      expect.objectContaining({ app: "checkout-api", environment: "staging" }),
      expect.objectContaining({
        app: "checkout-api",
        environment: "prod",
        version: "2.3.1",
        locators: ["production/payments/checkout-api/values.yaml → image.tag"],
      }),
    ]);
    const second = await report({ page: "2" });
    expect(second.cells.rows).toHaveLength(15);
    expect(second.cells.rows.at(-1)).toMatchObject({ app: "svc-59", version: "1.59.0" });
    // Past the end: the last page, not an empty one.
    expect((await report({ page: "9" })).cells.page).toBe(2);
  });

  it("filters the cells by application text and by environment", async () => {
    const indexer = await report({ app: "INDEX" });
    expect(indexer.cells.rows.map((c) => `${c.app} ${c.environment}`)).toEqual([
      "indexer dev",
      "indexer prod",
    ]);
    expect(indexer.cells.total).toBe(2);
    const prod = await report({ env: "prod" });
    expect(prod.cells.rows.map((c) => c.app)).toEqual(["checkout-api", "indexer"]);
    // A LIKE wildcard is a character to find, not a pattern.
    expect((await report({ app: "%" })).cells.total).toBe(0);
  });

  it("lists every skipped file with why", async () => {
    const { skipped } = await report();
    expect(skipped.total).toBe(2);
    expect(skipped.rows).toEqual([
      {
        app: "broken",
        file: "dev/payments/broken/values.yaml",
        line: 3,
        column: expect.any(Number),
        reason: expect.stringMatching(/^YAML syntax: /),
      },
      {
        app: "checkout-api",
        file: "qa/payments/checkout-api/values.yaml",
        line: null,
        column: null,
        reason:
          'environment "qa" is not one of dev, staging, prod; list it (or add it as an alias) in the environments',
      },
    ]);
  });

  it("refuses a search parameter it does not understand, naming it", async () => {
    const view = await getImportReport({
      db: world.ctx.db,
      searchParams: { page: "0", colour: "blue", app: "x".repeat(201) },
    });
    expect(view).toEqual({
      ok: false,
      errors: [
        "app: must be at most 200 characters",
        "page: must be 1 or more",
        "unknown parameter colour; the parameters are app, env and page",
      ],
    });
  });

  it("GET /api/v1/imports carries the rules and the skipped files of each run", async () => {
    const { imports } = await listImportRuns({
      db: world.ctx.db,
      query: { limit: 1 },
    });
    expect(imports[0]).toMatchObject({
      discovery: { layoutFile: "gantry.yaml", rules: [{ apps: 63, cells: 66 }, { cells: 0 }] },
      problems: [
        { file: "dev/payments/broken/values.yaml" },
        { file: "qa/payments/checkout-api/values.yaml" },
      ],
    });
  });
});

describe("the /imports report of a repository without a layout file", () => {
  let world: World;
  afterAll(async () => {
    await world?.close();
  });

  it("shows Gantry's convention as the one rule, counted after each import, incremental ones too", async () => {
    world = await adopt({
      "environments.yaml":
        "environments:\n  - name: dev\n    displayName: Dev\n    clusters: [{ name: dev-1 }]\n  - name: prod\n    displayName: Prod\n    clusters: [{ name: prod-1 }]\n",
      "apps/api/app.yaml": "name: API\nteam: payments\nchart: web\n",
      "apps/api/envs/dev/values.yaml": "image:\n  tag: 1.0.0\n",
      "apps/api/envs/prod/values.yaml": "image:\n  tag: 0.9.0\n",
    });
    await world.importNow();
    const rule = async () => {
      const view = await getImportReport({ db: world.ctx.db, searchParams: {} });
      if (!view.ok) throw new Error(view.errors.join("; "));
      return view.report.discovery;
    };
    expect(await rule()).toEqual({
      layoutFile: null,
      rules: [{ label: "convention apps/{app}/envs/{env}/values.yaml", apps: 1, cells: 2 }],
    });
    world.repo.commit({
      "apps/web/app.yaml": "name: Web\nteam: payments\nchart: web\n",
      "apps/web/envs/dev/values.yaml": "image:\n  tag: 2.0.0\n",
    });
    expect((await world.importNow()).mode).toBe("incremental");
    expect((await rule())?.rules).toEqual([
      { label: "convention apps/{app}/envs/{env}/values.yaml", apps: 2, cells: 3 },
    ]);
  });
});
