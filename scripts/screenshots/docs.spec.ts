import path from "node:path";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { createPerson, powerUser, signIn } from "../../e2e/support/auth";

/**
 * The pages the README shows, each in light and dark mode, written to
 * docs/screenshots/<page>-<scheme>.png (and the two the README opens with to
 * docs/catalogue.png and docs/promotion.png). The data is the demo fleet, its
 * generated history, and one prod promotion opened here so the approvals
 * inbox has something waiting.
 */

const docs = path.resolve(import.meta.dirname, "..", "..", "docs");
const SCHEMES = ["light", "dark"] as const;
type Scheme = (typeof SCHEMES)[number];
type CatalogueRow = { slug: string; versions: Record<string, string | null> };

async function capture(page: Page, name: string, scheme: Scheme, fullPage = false) {
  // Pointer and caret out of the way; fonts and images settled.
  await page.mouse.move(0, 0);
  await page.evaluate(async () => {
    (document.activeElement as HTMLElement | null)?.blur();
    await document.fonts.ready;
  });
  await page.screenshot({
    path: path.join(docs, "screenshots", `${name}-${scheme}.png`),
    fullPage,
    animations: "disabled",
  });
  if (scheme === "light" && (name === "catalogue" || name === "promotion")) {
    await page.screenshot({ path: path.join(docs, `${name}.png`), animations: "disabled" });
  }
}

/** Opens a prod promotion of an app whose staging is ahead, as a developer: it waits for approvals. */
async function pendingPromotion(browser: Browser): Promise<{ slug: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, powerUser());
  const response = await page.request.get("/api/v1/apps?differs=1&size=100");
  const { rows } = (await response.json()) as { rows: CatalogueRow[] };
  const candidates = rows.filter(
    (r) => r.versions.staging && r.versions.prod && r.versions.staging !== r.versions.prod,
  );
  const app = candidates[0];
  const teamed = candidates[1] ?? candidates[0];
  expect(app && teamed, "the demo fleet has apps with staging ahead of prod").toBeTruthy();
  if (!app || !teamed) throw new Error("no app to promote");
  const opened = await page.evaluate(async (slug) => {
    const answer = await fetch("/api/v1/promotions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        app: slug,
        environment: "prod",
        reason: "Soaked in staging for a day; error rate unchanged",
      }),
    });
    return answer.status;
  }, teamed.slug);
  expect(opened).toBe(202);
  await context.close();
  return { slug: app.slug };
}

/** Waits, as a person would by reloading, until the demo history has filled the insights. */
async function insightsWithHistory(page: Page) {
  await expect(async () => {
    await page.goto("/insights");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Demo history", {
      timeout: 1_000,
    });
    await expect(page.getByText("No band: nothing to measure in this period")).toHaveCount(0, {
      timeout: 1_000,
    });
  }).toPass({ timeout: 300_000, intervals: [2_000, 5_000] });
}

test("the README's screenshots, light and dark", async ({ browser }) => {
  const { slug } = await pendingPromotion(browser);
  const approver = createPerson({
    roles: ["approver"],
    teams: ["prod-approvers"],
    approverEnvironments: ["prod"],
    name: "Carol Approver",
  });
  for (const scheme of SCHEMES) {
    const context = await browser.newContext({
      colorScheme: scheme,
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    await signIn(page, powerUser());

    await page.goto("/apps?differs=1");
    await expect(page.getByRole("table")).toBeVisible();
    await capture(page, "catalogue", scheme);

    await page.goto(`/apps/${slug}/promote?env=prod`);
    await expect(page.getByRole("button", { name: "Open pull request" })).toBeVisible();
    await capture(page, "promotion", scheme);

    await page.goto(`/apps/${slug}`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await capture(page, "release-path", scheme);

    await insightsWithHistory(page);
    await capture(page, "insights", scheme, true);

    await page.goto("/audit");
    await expect(page.getByRole("heading", { level: 1, name: /Audit/ })).toBeVisible();
    await capture(page, "audit", scheme);

    await context.close();

    // The inbox as an approver sees it (a context of their own: sessions are per context).
    const approverContext = await browser.newContext({
      colorScheme: scheme,
      viewport: { width: 1440, height: 900 },
      deviceScaleFactor: 1,
    });
    const inbox = await approverContext.newPage();
    await signIn(inbox, approver);
    await inbox.goto("/approvals");
    await expect(inbox.getByRole("article").first()).toBeVisible();
    await capture(inbox, "approvals", scheme);
    await approverContext.close();
  }
});
