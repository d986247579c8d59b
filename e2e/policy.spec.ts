import fs from "node:fs";
import path from "node:path";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { createPerson, type E2ePerson, gantryCli, signIn } from "./support/auth";
import { commitToGitops } from "./support/gitops-commit";

/**
 * Environment policy in the browser: prod is frozen by a change to
 * environments.yaml in Git (as a release manager would make it); a developer
 * is refused with the freeze in words; a developer with break-glass gives a
 * reason and gets the pull request, with the reason kept. The freeze is
 * lifted again afterwards, whatever happens, so later specs see prod open.
 */
/** Edits environments.yaml on main, pushes, and imports, as an operator would. */
function changeEnvironments(edit: (text: string) => string, message: string): void {
  commitToGitops(message, (root) => {
    const file = path.join(root, "environments.yaml");
    fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
  });
  gantryCli(["import"]);
}

// The demo's prod has a year-end freeze far ahead; starting it an hour ago freezes prod now.
const DEMO_FREEZE_START = "from: 2027-12-24T00:00:00+01:00";

async function pageAs(browser: Browser, person: E2ePerson): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, person);
  return page;
}

test("a frozen prod refuses in words; break-glass with a reason gets through", async ({
  browser,
}) => {
  // Two imports of the demo fleet and three people made through the CLI: more than the default minute.
  test.setTimeout(300_000);
  const startedAt = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  changeEnvironments((text) => {
    expect(text).toContain(DEMO_FREEZE_START);
    return text.replace(DEMO_FREEZE_START, `from: ${startedAt}`);
  }, "Freeze prod now");
  try {
    const viewer = await pageAs(browser, createPerson({ roles: ["viewer"] }));
    // An app whose staging runs something prod does not, yet.
    const response = await viewer.request.get("/api/v1/apps?differs=1&size=100");
    expect(response.ok()).toBe(true);
    const { rows } = (await response.json()) as {
      rows: { slug: string; team: { slug: string }; versions: Record<string, string | null> }[];
    };
    // The last such app: promotion.spec.ts takes the first.
    const app = rows.findLast(
      (r) => r.versions.staging && r.versions.prod && r.versions.staging !== r.versions.prod,
    );
    expect(app, "the demo fleet has an app with staging ahead of prod").toBeDefined();
    if (!app) return;

    // The environments page shows prod frozen, with its policy in words.
    await viewer.goto("/environments");
    const prod = viewer.getByRole("region", { name: /Production/ });
    await expect(prod).toContainText("frozen");
    await expect(prod).toContainText("2 approvals from prod-approvers");
    await expect(prod).toContainText("deployed and healthy in staging first");
    await expect(prod).toContainText(/Frozen now, until .+ UTC \(Year-end freeze\)/);

    // A developer of the app's team: the freeze in words, and no way to open the pull request.
    const developer = await pageAs(
      browser,
      createPerson({ roles: ["developer"], teams: [app.team.slug] }),
    );
    await developer.goto(`/apps/${app.slug}/promote?env=prod`);
    await expect(
      developer.getByRole("status").filter({ hasText: "prod is frozen until" }),
    ).toContainText("(Year-end freeze)");
    await expect(developer.getByRole("alert").filter({ hasText: "break-glass" })).toBeVisible();
    await expect(developer.getByRole("button", { name: "Open pull request" })).toHaveCount(0);

    // The same, with break-glass: a reason field, and the pull request opens.
    const glass = await pageAs(
      browser,
      createPerson({ roles: ["developer"], teams: [app.team.slug], breakGlass: true }),
    );
    await glass.goto(`/apps/${app.slug}/promote?env=prod`);
    await expect(
      glass.getByRole("status").filter({ hasText: "prod is frozen until" }),
    ).toBeVisible();
    await glass.getByLabel("Reason (goes into the pull request)").fill("Fixes the checkout outage");
    const reason = "Customer outage INC-4711: the fix cannot wait for the freeze to end";
    await glass.getByLabel(/Break-glass reason/).fill(reason);
    await glass.getByRole("button", { name: "Open pull request" }).click();
    await expect(glass).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/);
    await expect(glass.getByText(`promoted anyway because: ${reason}`)).toBeVisible();
    // Leave nothing open for the specs after this one.
    await glass.getByRole("button", { name: "Close without merging" }).click();
    await expect(glass.getByRole("status").filter({ hasText: "State:" })).toContainText(/closed/i, {
      timeout: 30_000,
    });
  } finally {
    changeEnvironments(
      (text) => text.replace(`from: ${startedAt}`, DEMO_FREEZE_START),
      "Lift the prod freeze",
    );
  }
});
