import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { createPerson, powerUser, signIn } from "./support/auth";

/**
 * The audit timeline in a real browser: a person asks for a promotion, then
 * an auditor filters the timeline to that app and that person, opens the
 * promotion's delivery timeline, exports the filter as CSV and verifies the
 * chain.
 */

type CatalogueRow = { slug: string; versions: Record<string, string | null> };

test("filter the timeline to one app and one person, open a promotion's timeline, export CSV", async ({
  page,
}) => {
  // Generous: at start the job runner writes the demo history, which shares the audit chain's lock.
  test.setTimeout(240_000);
  // Someone asks for a promotion of an app whose staging is ahead of prod.
  const requester = createPerson({
    roles: ["admin", "developer"],
    name: `E2E Requester ${Date.now()}`,
  });
  await signIn(page, requester);
  const response = await page.request.get("/api/v1/apps?differs=1&size=100");
  expect(response.ok()).toBe(true);
  const { rows } = (await response.json()) as { rows: CatalogueRow[] };
  const candidates = rows.filter(
    (r) => r.versions.staging && r.versions.prod && r.versions.staging !== r.versions.prod,
  );
  // Not the first: the promotion spec takes that one.
  const app = candidates.at(-1);
  expect(app, "the demo fleet has an app with staging ahead of prod").toBeDefined();
  if (!app) return;
  await page.goto(`/apps/${app.slug}`);
  await page.getByRole("link", { name: "Promote to prod" }).click();
  await page
    .getByLabel("Reason (goes into the pull request)")
    .fill("E2E audit: verified in staging");
  await page.getByRole("button", { name: "Open pull request" }).click();
  await expect(page).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/, { timeout: 90_000 });
  const promotion = { id: new URL(page.url()).pathname.split("/").pop() ?? "" };
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out only once the portal has said so: a page asked for before would still see the session.
  await expect(page).toHaveURL(/\/sign-in$/);

  // An auditor filters the timeline to that app and that person.
  await signIn(page, powerUser());
  await page.getByRole("link", { name: "Audit", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Audit", level: 1 })).toBeVisible();
  const filters = page.getByRole("search", { name: "Filter the audit timeline" });
  await filters.getByLabel("Application").fill(app.slug);
  await filters.getByLabel("Actor").fill(requester.name);
  await filters.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]app=/);
  await expect(page).toHaveURL(/[?&]actor=/);
  const table = page.getByRole("table", { name: "Audit events, newest first" });
  const planned = table.getByRole("row").filter({ hasText: "promotion.planned" });
  await expect(planned).toHaveCount(1);
  await expect(planned).toContainText(requester.name);
  // Only that app and that person: every row names both.
  const bodyRows = table.locator("tbody tr");
  const count = await bodyRows.count();
  for (let i = 0; i < count; i++) {
    await expect(bodyRows.nth(i)).toContainText(app.slug);
    await expect(bodyRows.nth(i)).toContainText(requester.name);
  }

  // Export the current filter as CSV.
  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^gantry-audit-.*\.csv$/);
  const file = await download.path();
  const csv = fs.readFileSync(file, "utf8");
  const lines = csv.trimEnd().split("\r\n");
  expect(lines[0]).toBe(
    "sequence,id,at,actorKind,actorId,actorName,action,targetType,targetId,application,team,environment,promotionId,cluster,outcome,requestId,sourceAddress,detail,previousHash,hash",
  );
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.slice(1).every((line) => line.includes(`,${app.slug},`))).toBe(true);
  expect(
    lines.some((line) => line.includes("promotion.planned") && line.includes(promotion.id)),
  ).toBe(true);

  // The export is on the timeline too.
  await page.goto("/audit?action=audit.exported");
  await expect(
    page
      .getByRole("table", { name: "Audit events, newest first" })
      .getByRole("row")
      .filter({ hasText: "E2E Power User" })
      .first(),
  ).toBeVisible();

  // The promotion's delivery timeline, from its row.
  await page.goto(`/audit?app=${encodeURIComponent(app.slug)}&action=promotion.planned`);
  await page
    .getByRole("table", { name: "Audit events, newest first" })
    .getByRole("link", { name: `${app.slug} · prod` })
    .first()
    .click();
  await expect(page).toHaveURL(new RegExp(`/promotions/${promotion.id}$`));
  const timeline = page.getByRole("region", { name: "Delivery timeline" });
  await expect(timeline).toContainText("Requested");
  await expect(timeline).toContainText(requester.name);
  await expect(timeline).toContainText(/Pull request #\d+ opened/, { timeout: 30_000 });

  // The application page has its own audit section.
  await page.goto(`/apps/${app.slug}`);
  await expect(page.getByRole("region", { name: "Audit timeline" })).toContainText(
    "promotion.planned",
  );

  // Leave nothing open for the specs after this one (they pick apps the same way).
  await page.goto(`/promotions/${promotion.id}`);
  await page.getByRole("button", { name: "Close without merging" }).click();
  await expect(page.getByRole("status").filter({ hasText: "State:" })).toContainText(/closed/i, {
    timeout: 30_000,
  });
});

test("a bad filter is explained, naming the parameter", async ({ page }) => {
  await signIn(page, powerUser());
  await page.goto("/audit?outcome=maybe&from=someday");
  const alert = page.getByRole("alert").filter({ hasText: "This filter cannot be applied" });
  await expect(alert).toContainText("outcome must be one of success, denied, failure");
  await expect(alert).toContainText("from must be a date or time");
});

test("an admin verifies the chain in the browser", async ({ page }) => {
  await signIn(page, powerUser());
  await page.goto("/audit/verify");
  await page.getByRole("button", { name: "Verify now" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The chain is intact" })).toContainText(
    "events checked",
  );
});
