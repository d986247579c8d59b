import { expect, type Page, test } from "@playwright/test";
import { createPerson, signIn } from "./support/auth";

/**
 * The UI hides what a person may not do and says why; the server refuses
 * anyway. A viewer and a developer of another team read an application
 * but are offered no promotion; a developer of the app's team is.
 */

type CatalogueRow = { slug: string; name: string; team: { slug: string; name: string } };

async function someApplication(page: Page): Promise<CatalogueRow> {
  const response = await page.request.get("/api/v1/apps?size=25");
  expect(response.status(), await response.text()).toBe(200);
  const { rows } = (await response.json()) as { rows: CatalogueRow[] };
  const app = rows[0];
  if (!app) throw new Error("the demo fleet has no applications");
  return app;
}

/** The promote page for a version nobody runs: it plans whatever the environments run. */
function promotePath(slug: string): string {
  return `/apps/${slug}/promote?env=dev&version=99.0.0-e2e&allowNewVersion=on`;
}

for (const who of ["a viewer", "a developer of another team"] as const) {
  test(`${who} is offered no promotion, reads why, and the API refuses`, async ({ page }) => {
    const person = createPerson(
      who === "a viewer"
        ? { roles: ["viewer"] }
        : { roles: ["developer"], teams: ["e2e-nobody-owns-this"] },
    );
    await signIn(page, person);
    const app = await someApplication(page);

    await page.goto(`/apps/${app.slug}`);
    await expect(page.getByRole("heading", { level: 1, name: app.name })).toBeVisible();
    await expect(page.getByRole("link", { name: /^Promote to / })).toHaveCount(0);
    await expect(
      page.getByText(
        `You cannot promote ${app.name}: only developers of team ${app.team.slug} (or an admin) may do this.`,
      ),
    ).toBeVisible();

    await page.goto(promotePath(app.slug));
    await expect(page.getByText("You cannot promote this application")).toBeVisible();
    await expect(page.getByRole("button", { name: "Open pull request" })).toHaveCount(0);

    // Hiding is not the check: the API refuses the same person (their session).
    const refused = await page.request.post("/api/v1/promotions", {
      headers: { origin: new URL(page.url()).origin },
      data: { app: app.slug, environment: "prod", reason: "not mine to promote" },
    });
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /only (a )?developers? of/,
    );
  });
}

test("a developer of the app's team is offered the promotion", async ({ page }) => {
  // Two sign-ins: one to find an app (and its team), one as its developer.
  test.slow();
  const viewer = createPerson({ roles: ["viewer"] });
  await signIn(page, viewer);
  const app = await someApplication(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out only once the portal has said so: a page asked for before would still see the session.
  await expect(page).toHaveURL(/\/sign-in$/);

  await signIn(page, createPerson({ roles: ["developer"], teams: [app.team.slug] }));
  await page.goto(`/apps/${app.slug}`);
  await expect(page.getByRole("link", { name: /^Promote to / }).first()).toBeVisible();
  await expect(page.getByText(`You cannot promote ${app.name}`)).toHaveCount(0);
  await page.goto(promotePath(app.slug));
  await expect(page.getByRole("button", { name: "Open pull request" })).toBeVisible();
});
