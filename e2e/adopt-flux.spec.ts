import { expect, test } from "@playwright/test";
import { fluxOverlays } from "../test/adopt/fixtures";
import { type AdoptedPortal, startAdoptedPortal } from "./support/adopted-portal";
import { createPerson, signIn } from "./support/auth";

/**
 * Adopting a repository as a team has it, in a real browser: a portal of its
 * own starts on a Flux repository (HelmReleases in apps/base, a patch per
 * environment in apps/staging and apps/production, a gantry.yaml), and a
 * person promotes one app to production through it. The plan shows the
 * exact change to the production overlay's patch, the pull request commits
 * exactly that, and after the merge the catalogue follows.
 */
let portal: AdoptedPortal | undefined;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  portal = await startAdoptedPortal({ name: "flux", files: fluxOverlays() });
});

test.afterAll(async () => {
  await portal?.stop();
});

test("promote an app through the production overlay of an adopted Flux repository", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  if (!portal) throw new Error("the adopted portal did not start");
  const { git } = portal;
  const context = await browser.newContext({ baseURL: portal.url });
  const page = await context.newPage();
  const person = createPerson(
    {
      roles: ["admin", "developer", "approver"],
      approverEnvironments: ["*"],
      name: "E2E Flux Adopter",
    },
    portal,
  );
  await signIn(page, person);

  // The catalogue as the repository says: checkout's staging ahead of production, and
  // search on its chart's default (tag: "" with the chart outside the repository).
  await page.goto("/apps");
  const checkout = page.getByRole("row").filter({ hasText: "checkout" });
  await expect(checkout).toContainText("1.3.0");
  await expect(checkout).toContainText("1.2.0");
  await expect(page.getByRole("row").filter({ hasText: "search" })).toContainText("chart default");

  await page.goto("/apps/search");
  await expect(
    page
      .getByRole("region", { name: "Environments" })
      .getByRole("row")
      .filter({ hasText: "(prod)" }),
  ).toContainText("chart default");

  const file = "apps/production/checkout-values.yaml";
  const before = git(["show", `main:${file}`]);
  await page.goto("/apps/checkout");
  await page.getByRole("link", { name: "Promote to prod" }).click();
  await expect(page.getByRole("heading", { name: "Promote checkout" })).toBeVisible();
  await expect(page.getByText("the version staging runs", { exact: false })).toBeVisible();

  // The exact change, on the overlay that decides production's version, and nothing else.
  const diff = page.getByRole("figure");
  await expect(diff).toContainText(file);
  await expect(diff).not.toContainText("apps/base/");
  await expect(diff.getByRole("row").filter({ hasText: "removed:" })).toHaveCount(1);
  await expect(diff.getByRole("row").filter({ hasText: "added:" })).toHaveCount(1);
  await expect(diff.getByRole("row").filter({ hasText: "removed:" })).toContainText(
    "tag: 1.2.0 # reviewed by the team",
  );
  await expect(diff.getByRole("row").filter({ hasText: "added:" })).toContainText(
    "tag: 1.3.0 # reviewed by the team",
  );

  await page.getByLabel("Reason (goes into the pull request)").fill("Verified in staging");
  await page.getByRole("button", { name: "Open pull request" }).click();
  await expect(page).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/);
  const state = page.getByRole("status").filter({ hasText: "State:" });
  await expect(state).toContainText("PR open", { timeout: 30_000 });

  // The branch holds one commit changing the version's bytes only.
  const branch = "gantry/promote/checkout/prod/1.3.0";
  expect(git(["rev-list", "--count", `main..${branch}`]).trim()).toBe("1");
  expect(git(["diff", "--numstat", `main...${branch}`]).trim()).toBe(`1\t1\t${file}`);
  expect(git(["show", `${branch}:${file}`])).toBe(
    before.replace("tag: 1.2.0 # reviewed", "tag: 1.3.0 # reviewed"),
  );

  await page.getByRole("button", { name: "Merge pull request" }).click();
  await expect(state).toContainText("merged");
  expect(git(["show", `main:${file}`])).toContain("tag: 1.3.0 # reviewed by the team");

  // The merge queues an import; the catalogue follows Git.
  await page.goto("/apps/checkout");
  const prodRow = page
    .getByRole("region", { name: "Environments" })
    .getByRole("row")
    .filter({ hasText: "(prod)" });
  await expect(async () => {
    await page.reload();
    await expect(prodRow).toContainText("1.3.0", { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await context.close();
});
