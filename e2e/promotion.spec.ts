import { execFileSync } from "node:child_process";
import path from "node:path";
import { type Browser, expect, test } from "@playwright/test";
import { createPerson, powerUser, signIn } from "./support/auth";

/**
 * The heart of Gantry, in a real browser against the real portal: promote a
 * demo app from staging to prod, read the diff first, open the pull request,
 * check the commit in the bare repository byte for byte, have two
 * prod-approvers approve it (the demo prod policy), merge, and see the
 * catalogue follow. e2e/approvals.spec.ts drives the approvals through the UI.
 */
const dataDir = path.resolve(process.env.GANTRY_E2E_DATA_DIR ?? ".gantry/e2e");
const bare = path.join(dataDir, "git", "gitops.git");
const git = (args: string[]) =>
  execFileSync("git", ["--git-dir", bare, ...args], { encoding: "utf8" });

type CatalogueRow = { slug: string; name: string; versions: Record<string, string | null> };

/** A prod-approver, signed in in a browser context of their own, approves through the API. */
async function approveAsNewApprover(browser: Browser, promotionId: string, name: string) {
  const approver = createPerson({
    roles: ["approver"],
    teams: ["prod-approvers"],
    approverEnvironments: ["prod"],
    name,
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, approver);
  const status = await page.evaluate(async (id) => {
    const answer = await fetch(`/api/v1/promotions/${id}/reviews`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", comment: "Checked the diff" }),
    });
    return answer.status;
  }, promotionId);
  expect(status).toBeLessThan(300);
  await context.close();
}

test.beforeEach(async ({ page }) => {
  await signIn(page, powerUser());
});

test("promote staging's version to prod through a pull request", async ({ page, browser }) => {
  test.setTimeout(180_000);
  // An app whose staging runs something prod does not, yet.
  const response = await page.request.get("/api/v1/apps?differs=1&size=100");
  expect(response.ok()).toBe(true);
  const { rows } = (await response.json()) as { rows: CatalogueRow[] };
  const app = rows.find(
    (r) => r.versions.staging && r.versions.prod && r.versions.staging !== r.versions.prod,
  );
  expect(app, "the demo fleet has an app with staging ahead of prod").toBeDefined();
  if (!app) return;
  const from = app.versions.prod ?? "";
  const to = app.versions.staging ?? "";
  const valuesPath = `apps/${app.slug}/envs/prod/values.yaml`;
  const before = git(["show", `main:${valuesPath}`]);

  await page.goto(`/apps/${app.slug}`);
  await page.getByRole("link", { name: "Promote to prod" }).click();
  await expect(page.getByRole("heading", { name: `Promote ${app.name}` })).toBeVisible();
  await expect(page.getByText("the version staging runs", { exact: false })).toBeVisible();

  // The exact change, before anything happens.
  const diff = page.getByRole("figure");
  await expect(diff).toContainText(valuesPath);
  await expect(diff.getByRole("row").filter({ hasText: "removed:" })).toHaveCount(1);
  await expect(diff.getByRole("row").filter({ hasText: "added:" })).toHaveCount(1);
  await expect(diff.getByRole("row").filter({ hasText: "removed:" })).toContainText(from);
  await expect(diff.getByRole("row").filter({ hasText: "added:" })).toContainText(to);

  await page
    .getByLabel("Reason (goes into the pull request)")
    .fill("Verified in staging for a day");
  await page.getByRole("button", { name: "Open pull request" }).click();

  await expect(page).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("status").filter({ hasText: "State:" })).toContainText("PR open", {
    timeout: 30_000,
  });
  const pr = page.getByRole("region", { name: "Pull request" });
  await expect(pr).toContainText(`gantry/promote/${app.slug}/prod/${to}`);

  // The branch holds one commit changing exactly one line; every comment and byte else is kept.
  const branch = `gantry/promote/${app.slug}/prod/${to}`;
  expect(git(["rev-list", "--count", `main..${branch}`]).trim()).toBe("1");
  expect(git(["diff", "--numstat", `main...${branch}`]).trim()).toBe(`1\t1\t${valuesPath}`);
  const after = git(["show", `${branch}:${valuesPath}`]);
  const beforeLines = before.split("\n");
  const afterLines = after.split("\n");
  expect(afterLines).toHaveLength(beforeLines.length);
  const changed = beforeLines.flatMap((line, i) => (line === afterLines[i] ? [] : [i]));
  expect(changed).toHaveLength(1);
  const index = changed[0] ?? -1;
  expect(afterLines[index]).toBe(beforeLines[index]?.replace(from, to));
  expect(git(["log", "-1", "--format=%an <%ae>%n%B", branch])).toMatch(/Gantry-Promotion: /);

  // The demo prod policy: two approvals from prod-approvers, neither of them the author.
  const promotionId = new URL(page.url()).pathname.split("/").pop() ?? "";
  await expect(page.getByRole("button", { name: "Merge pull request" })).toBeDisabled();
  await approveAsNewApprover(browser, promotionId, "E2E Promotion Approver One");
  await approveAsNewApprover(browser, promotionId, "E2E Promotion Approver Two");
  await page.reload();
  await page.getByRole("button", { name: "Merge pull request" }).click();
  const state = page.getByRole("status").filter({ hasText: "State:" });
  await expect(state).toContainText(/merged|syncing|deployed/);
  // The embedded demo feed plays the clusters: they report the merge commit, and the page
  // follows the promotion to deployed by itself.
  await expect(state).toContainText("deployed", { timeout: 60_000 });
  await expect(page.getByRole("region", { name: "Timeline", exact: true })).toContainText(
    "syncing",
  );
  await page.getByRole("link", { name: "See the application" }).click();
  const prodRow = page
    .getByRole("region", { name: "Environments" })
    .getByRole("row")
    .filter({ hasText: "(prod)" });
  await expect(prodRow).toContainText(to);
  expect(git(["show", `main:${valuesPath}`])).toBe(after);
});

/** Commits `content` as `file` on main in the bare repository, as someone else would push it. */
function pushToMain(file: string, content: string, message: string): string {
  const head = git(["rev-parse", "refs/heads/main"]).trim();
  const env = {
    ...process.env,
    GIT_INDEX_FILE: path.join(dataDir, `e2e-index-${process.pid}`),
    GIT_AUTHOR_NAME: "Someone Else",
    GIT_AUTHOR_EMAIL: "someone@example.com",
    GIT_COMMITTER_NAME: "Someone Else",
    GIT_COMMITTER_EMAIL: "someone@example.com",
  };
  const run = (args: string[], input?: string) =>
    execFileSync("git", ["--git-dir", bare, ...args], { encoding: "utf8", env, input }).trim();
  const blob = run(["hash-object", "-w", "--stdin"], content);
  run(["read-tree", head]);
  run(["update-index", "--add", "--cacheinfo", `100644,${blob},${file}`]);
  const tree = run(["write-tree"]);
  const commit = run(["commit-tree", tree, "-p", head, "-m", message]);
  run(["update-ref", "refs/heads/main", commit, head]);
  return commit;
}

test("a values file that changed after the diff was shown is shown again, not committed", async ({
  page,
}) => {
  const response = await page.request.get("/api/v1/apps?differs=1&size=100");
  const { rows } = (await response.json()) as { rows: CatalogueRow[] };
  // Not the first (this file's first test) nor the last (approvals.spec.ts) of them.
  const candidates = rows.filter(
    (r) => r.versions.staging && r.versions.prod && r.versions.staging !== r.versions.prod,
  );
  const app = candidates[Math.floor(candidates.length / 2)];
  expect(app, "the demo fleet has apps with staging ahead of prod").toBeDefined();
  if (!app) return;
  const valuesPath = `apps/${app.slug}/envs/prod/values.yaml`;

  await page.goto(`/apps/${app.slug}/promote?env=prod`);
  await expect(page.getByRole("figure")).toContainText(valuesPath);
  // Someone changes the same file while the person reads the diff.
  const current = git(["show", `main:${valuesPath}`]);
  expect(current).toContain("pullPolicy: IfNotPresent");
  const moved = pushToMain(
    valuesPath,
    current.replace("pullPolicy: IfNotPresent", "pullPolicy: Always"),
    "prod values: always pull",
  );
  await page.getByLabel("Reason (goes into the pull request)").fill("Verified in staging");
  await page.getByRole("button", { name: "Open pull request" }).click();

  await expect(page).toHaveURL(/\/promote\?.*changedSince=/);
  await expect(page.getByText("The file changed since you looked")).toBeVisible();
  await expect(page.getByRole("figure")).toContainText(`${valuesPath} at ${moved.slice(0, 12)}`);
  await expect(page.getByRole("figure")).toContainText("pullPolicy: Always");
  const promotions = await page.request.get(`/api/v1/promotions?app=${app.slug}&state=planned`);
  expect(((await promotions.json()) as { total: number }).total).toBe(0);

  // Asked again with the new diff in view: requested.
  await page.getByLabel("Reason (goes into the pull request)").fill("Verified in staging");
  await page.getByRole("button", { name: "Open pull request" }).click();
  await expect(page).toHaveURL(/\/promotions\/[0-9a-f-]{36}$/);
  const promotionId = new URL(page.url()).pathname.split("/").pop() ?? "";
  // Closed again, from the page's own origin as the portal's pages call the API.
  const closed = await page.evaluate(async (id) => {
    const answer = await fetch(`/api/v1/promotions/${id}/close`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "e2e: done" }),
    });
    return answer.status;
  }, promotionId);
  expect(closed).toBe(200);
});

test("a promotion that cannot be planned says why", async ({ page }) => {
  await page.goto("/apps?differs=1");
  const slug = (await page.getByRole("rowheader").first().locator(".font-mono").innerText()).trim();
  await page.goto(`/apps/${slug}/promote?env=prod&version=0.0.0-never`);
  await expect(page.getByRole("alert").filter({ hasText: "cannot be planned" })).toContainText(
    /0\.0\.0-never/,
  );
  await expect(page.getByRole("button", { name: "Open pull request" })).toHaveCount(0);
});
