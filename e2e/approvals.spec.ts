import { type Browser, expect, type Page, test } from "@playwright/test";
import { createPerson, type E2ePerson, signIn } from "./support/auth";

/**
 * Four eyes in the browser, on the demo fleet (prod needs two approvals from
 * prod-approvers): a developer proposes a prod promotion and can neither
 * approve it in the page nor through the API; a first approver finds it in
 * the approvals inbox and approves; the pull request shows that review; a
 * second approver approves; the developer merges; the catalogue shows the
 * new version, and the promotion page follows the demo clusters to
 * deployed by itself.
 */

type CatalogueRow = {
  slug: string;
  name: string;
  team: { slug: string };
  versions: Record<string, string | null>;
};

async function pageAs(browser: Browser, person: E2ePerson): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, person);
  return page;
}

test("a prod promotion: proposed, approved by two others in the portal, merged, deployed", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const approverGrants = {
    roles: ["approver" as const],
    teams: ["prod-approvers"],
    approverEnvironments: ["prod"],
  };
  const first = createPerson({ ...approverGrants, name: "E2E First Approver" });
  const second = createPerson({ ...approverGrants, name: "E2E Second Approver" });

  // An app whose staging runs something prod does not, yet (the last of them: other specs
  // take the first).
  const lookup = await pageAs(browser, first);
  const response = await lookup.request.get("/api/v1/apps?differs=1&size=100");
  expect(response.ok()).toBe(true);
  const { rows } = (await response.json()) as { rows: CatalogueRow[] };
  const app = rows
    .filter((r) => r.versions.staging && r.versions.prod && r.versions.staging !== r.versions.prod)
    .at(-1);
  expect(app, "the demo fleet has an app with staging ahead of prod").toBeDefined();
  if (!app) return;
  const to = app.versions.staging ?? "";

  // A developer of the app's team proposes it; they approve for prod too, so only four eyes
  // stands between them and approving their own promotion.
  const developer = await pageAs(
    browser,
    createPerson({
      roles: ["developer", "approver"],
      teams: [app.team.slug, "prod-approvers"],
      approverEnvironments: ["prod"],
      name: "E2E Developer",
    }),
  );
  await developer.goto(`/apps/${app.slug}/promote?env=prod`);
  await developer
    .getByLabel("Reason (goes into the pull request)")
    .fill("Verified in staging; needs two approvals");
  await developer.getByRole("button", { name: "Open pull request" }).click();
  await expect(developer).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/);
  const promotionUrl = new URL(developer.url()).pathname;
  const promotionId = promotionUrl.split("/").pop() ?? "";
  const state = developer.getByRole("status").filter({ hasText: "State:" });
  await expect(state).toContainText("PR open", { timeout: 30_000 });

  // The author sees what is missing, no Approve button, and a Merge that cannot be pressed.
  const reviews = developer.getByRole("region", { name: "Reviews" });
  await expect(reviews).toContainText("needs 2 more approvals from prod-approvers");
  await expect(reviews).toContainText("No reviews yet.");
  await expect(reviews).toContainText("you asked for this promotion");
  await expect(developer.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(developer.getByRole("button", { name: "Merge pull request" })).toBeDisabled();
  // ... and the API refuses the author too, with the session the page has.
  const refused = await developer.evaluate(async (id) => {
    const answer = await fetch(`/api/v1/promotions/${id}/reviews`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", comment: "my own" }),
    });
    return { status: answer.status, body: await answer.text() };
  }, promotionId);
  expect(refused.status).toBe(403);
  expect(refused.body).toContain("four eyes");
  // Their own inbox does not offer it.
  await developer.goto("/approvals");
  await expect(developer.getByRole("heading", { name: "Approvals" })).toBeVisible();
  await expect(developer.getByRole("link", { name: new RegExp(app.name) })).toHaveCount(0);
  await developer.goto(promotionUrl);

  // The first approver finds it in the inbox, reads the diff there, and approves it.
  await lookup.goto("/approvals");
  await expect(lookup.getByRole("link", { name: /^Approvals/ })).toBeVisible();
  const title = `${app.name} to Production (${to})`;
  const item = lookup.getByRole("article", { name: title });
  await expect(item).toContainText("needs 2 more approvals from prod-approvers");
  await expect(item).toContainText("E2E Developer");
  await expect(item.getByRole("figure")).toContainText(`apps/${app.slug}/envs/prod/values.yaml`);
  await item.getByRole("link", { name: `Review ${title}` }).click();
  await expect(lookup).toHaveURL(promotionUrl);
  const firstReviews = lookup.getByRole("region", { name: "Reviews" });
  await firstReviews.getByLabel("Comment (optional)").fill("Diff checked against staging");
  await firstReviews.getByRole("button", { name: "Approve" }).click();

  // The pull request (local provider: this page) shows one review; one more is needed.
  const list = firstReviews.getByRole("list", { name: "Reviews" });
  await expect(list.getByRole("listitem")).toHaveCount(1);
  await expect(list).toContainText("E2E First Approver");
  await expect(list).toContainText("approved");
  await expect(list).toContainText("Diff checked against staging");
  await expect(firstReviews).toContainText("needs 1 more approval from prod-approvers");
  // Approving is done once: the form gives way to the person's review; changing their mind stays.
  await expect(firstReviews.getByRole("status")).toContainText("You approved this promotion");
  await expect(firstReviews.getByRole("button", { name: "Approve", exact: true })).toHaveCount(0);
  await expect(firstReviews.getByLabel("Comment (optional)")).toHaveCount(0);
  await expect(firstReviews.getByRole("button", { name: "Request changes instead" })).toBeVisible();
  await expect(lookup.getByRole("status").filter({ hasText: "State:" })).toContainText("PR open");

  // The second approver approves: the policy is satisfied.
  const secondPage = await pageAs(browser, second);
  await secondPage.goto(promotionUrl);
  await secondPage
    .getByRole("region", { name: "Reviews" })
    .getByRole("button", { name: "Approve" })
    .click();
  await expect(secondPage.getByRole("status").filter({ hasText: "State:" })).toContainText(
    "approved",
  );
  await expect(
    secondPage
      .getByRole("region", { name: "Reviews" })
      .getByRole("list", { name: "Reviews" })
      .getByRole("listitem"),
  ).toHaveCount(2);

  // The developer merges; the page follows the demo clusters to deployed by itself.
  await developer.reload();
  await expect(state).toContainText("approved");
  await expect(developer.getByRole("region", { name: "Reviews" })).toContainText(
    "policy satisfied",
  );
  await developer.getByRole("button", { name: "Merge pull request" }).click();
  await expect(state).toContainText(/merged|syncing|deployed/);
  await expect(state).toContainText("deployed", { timeout: 90_000 });

  // The catalogue shows the new version in prod.
  await developer.getByRole("link", { name: "See the application" }).click();
  const prodRow = developer
    .getByRole("region", { name: "Environments" })
    .getByRole("row")
    .filter({ hasText: "(prod)" });
  await expect(prodRow).toContainText(to);
});
