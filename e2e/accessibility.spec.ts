import AxeBuilder from "@axe-core/playwright";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { powerUser, signIn } from "./support/auth";

/**
 * Every page of the portal, in light and in dark mode, through axe-core:
 * no serious or critical violation of WCAG 2.1 A/AA. And the keyboard:
 * every focusable control shows where the focus is. Pages that need data
 * (an application, a promotion, a person) use the demo fleet and one
 * promotion this spec opens itself.
 */

type CatalogueRow = { slug: string; versions: Record<string, string | null> };

const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").join(" ")}`)
          .join("\n")}`,
    );
}

/** The pages to check, with the data they need found (or made) through the API. */
async function portalPages(page: Page): Promise<string[]> {
  const apps = await page.request.get("/api/v1/apps?size=100");
  expect(apps.ok()).toBe(true);
  const { rows } = (await apps.json()) as { rows: CatalogueRow[] };
  const ahead = rows.filter(
    (r) => r.versions.dev && r.versions.staging && r.versions.dev !== r.versions.staging,
  );
  // The middle one: other specs take the first and the last.
  const app = ahead[Math.floor(ahead.length / 2)] ?? rows[0];
  expect(app, "the demo fleet has applications").toBeDefined();
  if (!app) return [];
  // Opened by the first run of this function; the second (dark mode) finds it open.
  const opened = await page.evaluate(async (slug) => {
    const answer = await fetch("/api/v1/promotions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ app: slug, environment: "staging", reason: "Accessibility check" }),
    });
    return { status: answer.status, location: answer.headers.get("location") };
  }, app.slug);
  expect([202, 409], "the promotion is accepted, or already open").toContain(opened.status);
  const listed = await page.request.get(`/api/v1/promotions?app=${app.slug}&size=1`);
  const { items } = (await listed.json()) as { items: { id: string }[] };
  const promotion = items[0]?.id;
  expect(promotion, "the promotion is listed").toBeDefined();
  return [
    "/",
    "/apps",
    "/apps?q=a&differs=1",
    `/apps/${app.slug}`,
    `/apps/${app.slug}/promote?env=prod`,
    "/promotions",
    `/promotions/${promotion}`,
    "/approvals",
    "/audit",
    "/audit/verify",
    "/insights",
    "/clusters",
    "/environments",
    "/imports",
    `/repos/gitops/blob/main/apps/${app.slug}/app.yaml`,
    "/account",
    "/account/password",
    "/account/tokens",
    "/admin/users",
    `/admin/users/${powerUser().id}`,
    "/admin/tokens",
    "/no-such-page",
  ];
}

async function checkAll(browser: Browser, colorScheme: "light" | "dark") {
  const context = await browser.newContext({ colorScheme });
  const page = await context.newPage();
  const failures: string[] = [];
  // Signed out first: the sign-in page.
  await page.goto("/sign-in");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  failures.push(...(await seriousViolations(page)).map((v) => `/sign-in: ${v}`));
  await signIn(page, powerUser());
  for (const path of await portalPages(page)) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
    failures.push(...(await seriousViolations(page)).map((v) => `${path}: ${v}`));
  }
  await context.close();
  expect(failures, `${colorScheme} mode:\n${failures.join("\n")}`).toEqual([]);
}

test("no serious or critical axe violation on any page, in light mode", async ({ browser }) => {
  test.setTimeout(300_000);
  await checkAll(browser, "light");
});

test("no serious or critical axe violation on any page, in dark mode", async ({ browser }) => {
  test.setTimeout(300_000);
  await checkAll(browser, "dark");
});

test("the keyboard reaches the catalogue's controls, and focus is always visible", async ({
  page,
}) => {
  await signIn(page, powerUser());
  await page.goto("/apps");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Applications");
  const reached = new Set<string>();
  const invisible: string[] = [];
  test.setTimeout(180_000);
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const element = document.activeElement;
      if (!(element instanceof HTMLElement) || element === document.body) return null;
      const style = getComputedStyle(element);
      const outline = style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0;
      const ring = style.boxShadow !== "none";
      return {
        name: (element.getAttribute("aria-label") ?? element.textContent ?? "").trim().slice(0, 40),
        tag: element.tagName.toLowerCase(),
        visible: outline || ring,
      };
    });
    if (!focused) continue;
    reached.add(focused.name);
    if (!focused.visible) invisible.push(`${focused.tag} "${focused.name}"`);
  }
  expect(invisible, "every focused control shows its focus").toEqual([]);
  for (const name of ["Skip to content", "Applications", "Apply"]) {
    expect(
      [...reached].some((n) => n.startsWith(name)),
      `Tab reaches "${name}"`,
    ).toBe(true);
  }
});

test("the pages fit 1280 px and a narrow window; the catalogue scrolls sideways under a sticky application column", async ({
  page,
}) => {
  await signIn(page, powerUser());
  for (const width of [1280, 480]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of ["/", "/apps", "/promotions", "/insights", "/audit", "/clusters"]) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 }).first()).toBeVisible();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(
        overflow,
        `${path} at ${width} px scrolls the whole page sideways`,
      ).toBeLessThanOrEqual(0);
    }
  }
  // Narrow: the matrix scrolls inside its frame; the application names stay where they were.
  await page.goto("/apps");
  const firstApp = page.getByRole("rowheader").first();
  const before = await firstApp.boundingBox();
  const scrolled = await page
    .getByRole("table", { name: /^Applications, the version/ })
    .locator("xpath=..")
    .evaluate((frame) => {
      frame.scrollLeft = 400;
      return frame.scrollLeft;
    });
  expect(scrolled, "the matrix is wider than a narrow window and scrolls").toBeGreaterThan(0);
  const after = await firstApp.boundingBox();
  expect(after?.x).toBeCloseTo(before?.x ?? Number.NaN, 0);
});
