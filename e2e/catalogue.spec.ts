import fs from "node:fs";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { powerUser, signIn } from "./support/auth";

/** The application rows of the version matrix (each row's header cell is the app). */
function appRows(page: Page) {
  return page
    .getByRole("table")
    .getByRole("row")
    .filter({ has: page.getByRole("rowheader") });
}

test.beforeEach(async ({ page }) => {
  await signIn(page, powerUser());
});

test("the overview counts the demo fleet and its environments", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  // The figure's link is named by its number and what it counts: "421 applications".
  const applications = page.getByRole("link", { name: /^[\d,]+ applications$/ });
  await expect(applications).toBeVisible();
  const count = Number((await applications.innerText()).replace(/\D/g, ""));
  expect(count).toBeGreaterThanOrEqual(400);
  const environments = page.getByRole("region", { name: "Environments, in delivery order" });
  await expect(environments.getByRole("listitem")).toHaveCount(4);
  await expect(environments).toContainText("prod");
});

test("the catalogue pages through the fleet with the page in the URL", async ({ page }) => {
  await page.goto("/apps");
  await expect(page.getByRole("heading", { name: "Applications", level: 1 })).toBeVisible();
  await expect(appRows(page)).toHaveCount(50);
  await expect(page.getByRole("columnheader", { name: "prod" })).toBeVisible();
  // The demo clusters report, so cells say what runs beside the version, in words.
  await expect(
    appRows(page)
      .getByRole("cell")
      .filter({ hasText: /\b(Healthy|Progressing|Degraded|Suspended|Missing|Unknown)\b/ })
      .first(),
  ).toBeVisible();
  const firstOnPageOne = await appRows(page).first().getByRole("rowheader").innerText();

  await page.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/[?&]page=2\b/);
  await expect(page.getByText(/Page 2 of \d+/)).toBeVisible();
  await expect(appRows(page).first().getByRole("rowheader")).not.toHaveText(firstOnPageOne);

  // The URL alone reproduces the view: a shared link shows the same page.
  const shared = page.url();
  const other = await page.context().newPage();
  await other.goto(shared);
  await expect(other.getByText(/Page 2 of \d+/)).toBeVisible();
  await other.close();
});

test("searching narrows the catalogue to matching applications", async ({ page }) => {
  await page.goto("/apps");
  const slug = (
    await appRows(page).nth(3).getByRole("rowheader").locator(".font-mono").innerText()
  ).trim();
  await page.getByRole("searchbox", { name: "Search" }).fill(slug);
  await page.getByRole("searchbox", { name: "Search" }).press("Enter");
  await expect(page).toHaveURL(new RegExp(`[?&]q=${slug}`));
  await expect(appRows(page).first()).toContainText(slug);
  for (const row of await appRows(page).all()) {
    await expect(row).toContainText(slug.split("-")[0] ?? slug);
  }

  await page.getByRole("searchbox", { name: "Search" }).fill("no-such-application-anywhere");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("No application matches these filters")).toBeVisible();
});

test("filtering by team keeps only that team's applications", async ({ page }) => {
  await page.goto("/apps");
  const teamSelect = page.getByRole("combobox", { name: "Team" });
  const option = teamSelect.locator("option").nth(2);
  const teamSlug = await option.getAttribute("value");
  const teamLabel = (await option.innerText()).replace(/\s*\(\d+\)$/, "");
  expect(teamSlug).toBeTruthy();
  await teamSelect.selectOption(teamSlug ?? "");
  await expect(page).toHaveURL(new RegExp(`[?&]team=${teamSlug}`));
  const rows = appRows(page);
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row.getByRole("cell").first()).toHaveText(teamLabel);
  }
});

test("an application page shows its environments and links", async ({ page }) => {
  await page.goto("/apps");
  const first = appRows(page).first().getByRole("rowheader").getByRole("link");
  const name = await first.innerText();
  await first.click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const environments = page.getByRole("region", { name: "Environments" });
  await expect(environments.getByRole("rowheader").first()).toBeVisible();
  await expect(
    page.getByRole("region", { name: "Recent commits" }).getByRole("listitem").first(),
  ).toBeVisible();
  // On the embedded default the clusters are played by the demo feed, and say so.
  const clusters = page.getByRole("region", { name: "In the clusters" });
  await expect(clusters.getByRole("rowheader").first()).toBeVisible();
  // The feed starts reporting a few seconds after the portal: reload until it has.
  await expect(async () => {
    await page.reload();
    await expect(clusters.getByText("embedded demo feed", { exact: false })).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ timeout: 30_000 });

  // Follow a link: the values file at the commit it was read at.
  const valuesLink = environments.getByRole("link").first();
  const valuesPath = await valuesLink.innerText();
  await valuesLink.click();
  await expect(page.getByRole("heading", { name: valuesPath })).toBeVisible();
  await expect(page.getByText("image:")).toBeVisible();
});

test("an application's team link opens the catalogue filtered to that team", async ({ page }) => {
  await page.goto("/apps");
  await appRows(page).first().getByRole("rowheader").getByRole("link").click();
  const teamLink = page.getByRole("definition").getByRole("link").first();
  const team = await teamLink.innerText();
  await teamLink.click();
  await expect(page).toHaveURL(/\/apps\?team=/);
  await expect(page.getByRole("combobox", { name: "Team" })).toHaveValue(/.+/);
  await expect(appRows(page).first().getByRole("cell").first()).toHaveText(team);
});

test("the catalogue is usable from the keyboard", async ({ page }) => {
  await page.goto("/apps");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.getByRole("searchbox", { name: "Search" }).focus();
  await page.keyboard.type("api");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/[?&]q=api/);
  await expect(appRows(page).first()).toBeVisible();
});

test("a malformed filter in a link is explained, not ignored", async ({ page }) => {
  await page.goto("/apps?tier=gold&page=0");
  const alert = page.getByRole("alert").filter({ hasText: "This link has a filter" });
  await expect(alert).toContainText("tier: expected one of critical");
  await expect(alert).toContainText("page:");
});

test("the clusters page lists every cluster of the fleet", async ({ page }) => {
  await page.goto("/");
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Clusters" })
    .click();
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();
  await expect(
    page.getByRole("table").getByRole("row").filter({ hasText: "prod" }).first(),
  ).toBeVisible();
});

test("an unknown application is a clear not-found page", async ({ page }) => {
  const response = await page.goto("/apps/no-such-app");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("the README screenshot of the catalogue", async ({ page }) => {
  test.skip(
    !process.env.UPDATE_SCREENSHOTS,
    "set UPDATE_SCREENSHOTS=1 to refresh docs/catalogue.png",
  );
  await page.goto("/apps?differs=1");
  await expect(appRows(page).first()).toBeVisible();
  const file = path.resolve("docs/catalogue.png");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: false });
});

test("the README screenshot of the promotion dialog", async ({ page }) => {
  test.skip(
    !process.env.UPDATE_SCREENSHOTS,
    "set UPDATE_SCREENSHOTS=1 to refresh docs/promotion.png",
  );
  await page.goto("/apps?differs=1");
  const slug = (await page.getByRole("rowheader").nth(1).locator(".font-mono").innerText()).trim();
  await page.goto(`/apps/${slug}/promote?env=prod`);
  await expect(page.getByRole("figure")).toBeVisible();
  await page
    .getByLabel("Reason (goes into the pull request)")
    .fill("Verified in staging for a day");
  await page.screenshot({ path: path.resolve("docs/promotion.png"), fullPage: true });
});
