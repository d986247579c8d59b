import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { getCataloguePage } from "@/lib/sync/get-catalogue-page";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
} from "@/test/catalogue/gitops-fixture";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

/**
 * The catalogue keeps the environments' columns and policies per import
 * (only an import changes them): a new import's freeze and names show at
 * the next page, while the same import is not read again.
 */
describe("the catalogue's environments, kept per import", () => {
  let database: TestDatabase;
  const repo = createGitopsFixture();
  const importNow = () =>
    importCatalogue({
      db: database.db,
      git: repo.provider,
      versionPath: "image.tag",
      trigger: "test",
    });
  const page = async () => {
    const view = await getCataloguePage({ db: database.db, searchParams: {} });
    if (!view.ok) throw new Error(view.errors.join("; "));
    return view;
  };

  beforeAll(async () => {
    repo.commit(
      {
        "environments.yaml": ENVIRONMENTS_YAML,
        "charts/web-service/Chart.yaml": CHART_YAML,
        ...appFiles("alpha", "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
      },
      "fleet",
    );
    database = await createTestDatabase();
    await importNow();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("shows a freeze and a new name from the next import, and reads nothing again before it", async () => {
    const before = await page();
    expect(before.frozen).toEqual({});
    expect(before.page.environments.map((e) => e.displayName)).toEqual([
      "Development",
      "Staging",
      "Production",
    ]);

    // Not an import: this page keeps what the import wrote (proof that it is kept at all).
    await database.db.environment.updateMany({
      where: { name: "prod" },
      data: { displayName: "Written behind the import's back" },
    });
    expect((await page()).page.environments.at(-1)?.displayName).toBe("Production");

    repo.commit(
      {
        "environments.yaml": ENVIRONMENTS_YAML.replace(
          "    displayName: Production\n",
          `    displayName: Live\n    policy:\n      freezes:\n        - from: "2000-01-01T00:00:00Z"\n          to: "2999-01-01T00:00:00Z"\n          reason: Year-end freeze\n`,
        ),
      },
      "freeze prod",
    );
    await importNow();
    const after = await page();
    expect(after.page.environments.at(-1)?.displayName).toBe("Live");
    expect(after.frozen.prod).toContain("Year-end freeze");
  });
});
