import { randomBytes } from "node:crypto";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { createPerson, type E2ePerson, gantryCli, powerUser, signIn } from "./support/auth";

/**
 * The delivery loop, end to end in a real browser against the real portal
 * and its demo feed: a CI token registers a release; dev's on-release rule
 * opens and merges its promotion by itself; the demo clusters report it
 * healthy; after the (shortened, GANTRY_DEMO_SOAK_SECONDS) soak the rules
 * carry it through test to staging, where a person approves and merges it;
 * prod takes it by two prod-approvers' approvals; then prod is rolled back
 * from the application's page and the release shows as held.
 */

type CatalogueRow = {
  slug: string;
  name: string;
  team: { slug: string };
  versions: Record<string, string | null>;
};
type ListedRelease = {
  version: string;
  steps: { environment: string; text: string }[];
};
type PromotionItem = {
  id: string;
  kind: string;
  version: string;
  state: string;
  requestedBy: { name: string };
};

/** How long one environment may take: a soak, the minutely progression job, a pull request, a sync. */
const STEP_TIMEOUT = 180_000;

async function pageAs(browser: Browser, person: E2ePerson): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, person);
  return page;
}

test("a release CI registers flows to staging by itself, reaches prod and is rolled back there, held", async ({
  page,
  browser,
  request,
}) => {
  test.setTimeout(12 * 60_000);
  await signIn(page, powerUser());

  // An app at the end of the alphabet: other specs and the demo feed's own releases use the first ones.
  const listed = await page.request.get("/api/v1/apps?sort=name&dir=desc&size=50");
  expect(listed.ok()).toBe(true);
  const { rows } = (await listed.json()) as { rows: CatalogueRow[] };
  const app = rows.find((row) =>
    ["dev", "test", "staging", "prod"].every((env) => row.versions[env]),
  );
  expect(app, "the demo fleet has an app in every environment").toBeDefined();
  if (!app) return;
  const previousProd = app.versions.prod ?? "";
  const version = `9.${Number.parseInt(randomBytes(2).toString("hex"), 16)}.0`;

  // CI's token may register releases of the app's team only.
  const created = gantryCli([
    "token",
    "create",
    "--name",
    `e2e loop ${randomBytes(3).toString("hex")}`,
    "--scope",
    "releases:write",
    "--team",
    app.team.slug,
  ]);
  const token = /gantry_[A-Za-z0-9_-]{43}/.exec(created)?.[0];
  expect(token, "token create prints the token").toBeDefined();
  // As CI calls it: no session, only the token.
  const registered = await request.post("/api/v1/releases", {
    headers: { authorization: `Bearer ${token}` },
    data: {
      app: app.slug,
      version,
      commit: "0123456789abcdef0123456789abcdef01234567",
      sourceRepository: `https://git.example.com/shop/${app.slug}`,
      buildUrl: "https://ci.example.com/runs/42",
      notes: "Built by the end-to-end loop",
    },
  });
  expect(registered.status(), await registered.text()).toBe(201);

  const promotionIn = async (env: string): Promise<PromotionItem | undefined> => {
    const path = `/api/v1/promotions?app=${app.slug}&env=${env}`;
    // The portal may close an idle kept-alive connection just as a poll reuses it: ask again.
    const answer = await page.request
      .get(path)
      .catch(() => page.request.get(path, { headers: { connection: "close" } }));
    expect(answer.ok()).toBe(true);
    const { items } = (await answer.json()) as { items: PromotionItem[] };
    return items.find((item) => item.version === version && item.kind === "promote");
  };
  const stateIn = async (env: string) => (await promotionIn(env))?.state ?? "none";
  /** The promotion's state, then where the release stands as the API says (a waiting rule says why). */
  const standing = async (env: string) => {
    const state = await stateIn(env);
    const listed = await page.request.get(`/api/v1/apps/${app.slug}/releases?size=10`);
    const { items } = (await listed.json()) as { items: ListedRelease[] };
    const mine = items.find((item) => item.version === version);
    const steps = mine?.steps.map((step) => `${step.environment}: ${step.text}`).join("; ");
    return `${state} (${steps ?? "not listed"})`;
  };

  // dev: opened by its on-release rule, merged by itself, reported healthy by the demo clusters.
  await expect.poll(() => standing("dev"), { timeout: STEP_TIMEOUT }).toMatch(/^deployed /);
  expect((await promotionIn("dev"))?.requestedBy.name).toContain("on-release");
  // test: after the soak in dev, by its after-healthy rule, merged by itself.
  await expect.poll(() => standing("test"), { timeout: STEP_TIMEOUT }).toMatch(/^deployed /);
  // staging: after the soak in test, opened by the rule; it waits for a person's approval.
  await expect.poll(() => standing("staging"), { timeout: STEP_TIMEOUT }).toMatch(/^pr_open /);
  const staging = await promotionIn("staging");
  expect(staging?.requestedBy.name).toContain("after-healthy");

  // The app page says where the release is, with its build and commit, and is no demo release.
  await page.goto(`/apps/${app.slug}`);
  const releases = page.getByRole("region", { name: "Releases", exact: true });
  const row = releases.getByRole("listitem").filter({ hasText: version }).first();
  await expect(row).toBeVisible();
  const where = row.getByRole("list", { name: `Where ${version} is` });
  await expect(where).toContainText("dev✓ deployed");
  await expect(where).toContainText("test✓ deployed");
  await expect(where).toContainText("stagingwaiting for approval");
  await expect(row.getByRole("link", { name: "build" })).toHaveAttribute(
    "href",
    "https://ci.example.com/runs/42",
  );
  await expect(row.getByText("demo", { exact: true })).toHaveCount(0);

  // A staging approver approves and merges in the portal.
  const approver = await pageAs(
    browser,
    createPerson({ roles: ["approver"], approverEnvironments: ["staging"] }),
  );
  await approver.goto(`/promotions/${staging?.id}`);
  const state = approver.getByRole("status").filter({ hasText: "State:" });
  await expect(state).toContainText("PR open");
  await approver
    .getByRole("region", { name: "Reviews" })
    .getByRole("button", { name: "Approve" })
    .click();
  await expect(state).toContainText("approved");
  await approver.getByRole("button", { name: "Merge pull request" }).click();
  await expect(state).toContainText("deployed", { timeout: STEP_TIMEOUT });
  await approver.context().close();

  // prod is manual: a person asks, two prod-approvers approve, the person merges.
  await page.goto(`/apps/${app.slug}`);
  await page.getByRole("link", { name: "Promote to prod" }).click();
  await expect(page.getByText("the version staging runs", { exact: false })).toBeVisible();
  await page.getByLabel("Reason (goes into the pull request)").fill("Soaked through staging");
  await page.getByRole("button", { name: "Open pull request" }).click();
  await expect(page).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/);
  const prodState = page.getByRole("status").filter({ hasText: "State:" });
  await expect(prodState).toContainText("PR open", { timeout: 60_000 });
  const prodId = page.url().split("/").pop() ?? "";
  for (const name of ["E2E loop prod approver one", "E2E loop prod approver two"]) {
    const reviewer = await pageAs(
      browser,
      createPerson({
        roles: ["approver"],
        teams: ["prod-approvers"],
        approverEnvironments: ["prod"],
        name: `${name} ${randomBytes(2).toString("hex")}`,
      }),
    );
    await reviewer.goto(`/promotions/${prodId}`);
    await reviewer
      .getByRole("region", { name: "Reviews" })
      .getByRole("button", { name: "Approve" })
      .click();
    await expect(
      reviewer.getByRole("region", { name: "Reviews" }).getByRole("status"),
    ).toContainText("You approved this promotion");
    await reviewer.context().close();
  }
  await page.reload();
  await expect(prodState).toContainText("approved");
  await page.getByRole("button", { name: "Merge pull request" }).click();
  await expect(prodState).toContainText("deployed", { timeout: STEP_TIMEOUT });

  // prod misbehaves: roll it back from the application's page.
  await page.goto(`/apps/${app.slug}`);
  await page.getByRole("link", { name: "Roll back prod" }).click();
  await expect(page.getByText(previousProd).first()).toBeVisible();
  await page
    .getByLabel("Reason (goes into the pull request)")
    .fill(`${version} answers 500 to every checkout`);
  await page.getByRole("button", { name: `Roll back to ${previousProd}` }).click();
  await expect(page).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/);
  await expect(page.getByText("rollback", { exact: false }).first()).toBeVisible();

  // The release shows as held, and the hold is listed with who placed it and why.
  await page.goto(`/apps/${app.slug}`);
  await expect(
    page
      .getByRole("region", { name: "Releases", exact: true })
      .getByRole("listitem")
      .filter({ hasText: version })
      .first(),
  ).toContainText("held in prod and later");
  const held = page.getByRole("region", { name: "Held versions" });
  await expect(held).toContainText(`${version} held in prod and later`);
  await expect(held).toContainText("answers 500 to every checkout");
});
