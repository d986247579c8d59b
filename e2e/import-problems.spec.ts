import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { powerUser, signIn } from "./support/auth";
import { commitToGitops } from "./support/gitops-commit";
import { e2ePorts } from "./support/ports";

/**
 * A person breaks one app.yaml in the GitOps repository; after the next
 * import the portal names the file, line and column, and every other app is
 * still there. Runs after catalogue.spec.ts (files run in name order), and
 * fixes the file again at the end: the specs after it share the portal.
 */
const dataDir = path.resolve(process.env.GANTRY_E2E_DATA_DIR ?? ".gantry/e2e");

test.beforeEach(async ({ page }) => {
  await signIn(page, powerUser());
});

test("a malformed app.yaml is reported with its location and the rest of the fleet stays", async ({
  page,
}) => {
  // A clone, a push and a whole CLI process importing the fleet: three times the usual budget.
  test.slow();
  await page.goto("/apps?sort=name&dir=desc");
  const victim = (
    await page.getByRole("rowheader").first().locator(".font-mono").innerText()
  ).trim();

  const manifest = path.join("apps", victim, "app.yaml");
  let text = "";
  let line = 0;
  commitToGitops(`break ${victim}/app.yaml`, (root) => {
    text = fs.readFileSync(path.join(root, manifest), "utf8").replace(/\n*$/, "\n");
    // A second `name:` key on a new last line: YAML refuses duplicate keys, and says where.
    line = text.split("\n").length;
    fs.writeFileSync(path.join(root, manifest), `${text}name: duplicated by mistake\n`);
  });
  try {
    cliImport();
    await expectProblemShown(page, victim, line);
  } finally {
    // The later specs share this portal: the fixed file and a new import leave the fleet whole.
    commitToGitops(`fix ${victim}/app.yaml`, (root) => {
      fs.writeFileSync(path.join(root, manifest), text);
    });
    cliImport();
  }
  await page.goto("/imports");
  await expect(page.getByRole("status").filter({ hasText: "could not be read" })).toHaveCount(0);
});

test("/imports shows what the layout found: each rule, and the cells paged and filtered", async ({
  page,
}) => {
  await page.goto("/imports");
  const found = page.getByRole("region", { name: "What the layout found" });
  const rules = found.getByRole("table", { name: "Discovery rules" });
  const convention = rules
    .getByRole("row")
    .filter({ hasText: "convention apps/{app}/envs/{env}/values.yaml" });
  await expect(convention).toHaveCount(1);

  const cellsSection = page.getByRole("region", { name: "Cells" });
  const cells = cellsSection.getByRole("table", { name: /^Cells/ });
  await expect(cells.getByRole("row")).toHaveCount(51);
  await expect(cellsSection.getByText(/ cells · page 1 of \d+/)).toBeVisible();
  await cellsSection.getByRole("link", { name: "Next ›" }).click();
  await expect(cellsSection.getByText(/ cells · page 2 of \d+/)).toBeVisible();

  // One app's cells: each with its values file and the key path of the version, as layout check prints them.
  const app = (await cells.getByRole("row").nth(1).getByRole("link").innerText()).trim();
  await cellsSection.getByLabel("Application").fill(app);
  await cellsSection.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]app=${app}`));
  const rows = cells.getByRole("row");
  await expect(rows.nth(1)).toContainText(`apps/${app}/envs/`);
  await expect(rows.nth(1)).toContainText("/values.yaml → ");
  for (const row of await rows.all().then((all) => all.slice(1))) {
    await expect(row.getByRole("link").first()).toContainText(app);
  }
});

/** The CLI import, as an operator would run it, against the running portal's database. */
function cliImport(): void {
  execFileSync("node_modules/.bin/tsx", ["cli/gantry.ts", "import"], {
    env: {
      ...process.env,
      DATABASE_URL: "",
      GANTRY_DATA_DIR: dataDir,
      GANTRY_EMBEDDED_POSTGRES_PORT: String(e2ePorts().postgresPort),
    },
    stdio: "pipe",
  });
}

async function expectProblemShown(page: Page, victim: string, line: number): Promise<void> {
  await page.goto("/imports");
  const problems = page.getByRole("status").filter({ hasText: "could not be read" });
  await expect(problems).toContainText(`apps/${victim}/app.yaml:${line}:1`);
  await expect(problems).toContainText(/unique/i);

  await problems.getByRole("link", { name: victim }).click();
  await expect(page.getByRole("alert").filter({ hasText: "could not read" })).toContainText(
    `apps/${victim}/app.yaml:${line}:1`,
  );

  await page.goto("/");
  await expect(page.getByText(/The last import found 1 file/)).toBeVisible();
  const count = Number(
    (await page.getByRole("link", { name: /^[\d,]+ applications$/ }).innerText()).replace(
      /\D/g,
      "",
    ),
  );
  expect(count).toBeGreaterThanOrEqual(400);
}
