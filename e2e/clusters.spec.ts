import { randomBytes } from "node:crypto";
import { expect, type Page, test } from "@playwright/test";
import { createPerson, signIn } from "./support/auth";

/**
 * Cluster registration in a real browser: an admin registers a cluster and
 * sees its agent token once; the token works against the report endpoint,
 * and what it reports appears on an open application page by itself (live
 * updates); after revoking it the endpoint refuses it (401). Someone who is
 * not an admin sees the clusters but no Register button.
 */

type CatalogueRow = { slug: string; versions: Record<string, string | null> };

function report(sequence: number, items: unknown[] = []) {
  return {
    schemaVersion: 1,
    agent: { version: "e2e-agent-1.2.3", mode: "agent" },
    kind: "delta",
    sequence,
    sentAt: new Date().toISOString(),
    items,
  };
}

/** The agent's call: no browser, no cookie, only the cluster's token. */
function postReport(origin: string, cluster: string, token: string, body: unknown) {
  return fetch(`${origin}/api/v1/clusters/${cluster}/reports`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

test("an admin registers a cluster, its token works once copied, and revoking it refuses the agent", async ({
  page,
}) => {
  const admin = createPerson({ roles: ["admin"] });
  await signIn(page, admin);
  await page.goto("/clusters");
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();

  const name = `e2e-${randomBytes(3).toString("hex")}`;
  // The cluster sits in dev, where the release loop waits for every cluster that can report: a
  // failure here must not leave it holding a token, so it is revoked whatever happened.
  try {
    const form = page.getByRole("region", { name: "Register a cluster" });
    await form.getByLabel("Cluster name").fill(name);
    // dev, revoked at the end: a cluster with no token holds back no promotion of the other specs.
    await form.getByLabel("Environment").selectOption("dev");
    await form.getByRole("button", { name: "Register" }).click();

    const shown = form.getByRole("region", { name: `Agent token for ${name}` });
    await expect(shown).toContainText("will not show it again");
    const token = await shown.getByLabel(`Agent token for ${name}`).inputValue();
    expect(token).toMatch(/^gantry_cluster_[A-Za-z0-9_-]{43}$/);
    await expect(shown).toContainText(`--cluster=${name}`);
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name }) });
    await expect(row).toContainText("token issued, no report yet");

    const origin = new URL(page.url()).origin;
    const accepted = await postReport(origin, name, token, report(1));
    expect(accepted.status).toBe(200);

    // Shown once: a fresh page has the cluster and its agent, not the token.
    await page.reload();
    await expect(row).toContainText("e2e-agent-1.2.3");
    await expect(page.getByRole("region", { name: `Agent token for ${name}` })).toHaveCount(0);
    expect(await page.content()).not.toContain(token);

    // An open application page shows what the new cluster reports, without a reload.
    const apps = await page.request.get("/api/v1/apps?size=50");
    expect(apps.ok()).toBe(true);
    const app = ((await apps.json()) as { rows: CatalogueRow[] }).rows.find((r) => r.versions.dev);
    expect(app, "the demo fleet has an app in dev").toBeDefined();
    if (!app) return;
    await page.goto(`/apps/${app.slug}`);
    const clusterRow = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name }) });
    await expect(clusterRow).toBeVisible();
    const failure = `e2e ${name}: image registry.example.com/${app.slug} not found`;
    const live = await postReport(
      origin,
      name,
      token,
      report(2, [
        {
          application: app.slug,
          environment: "dev",
          source: { kind: "argocd-application", namespace: "argocd", name: `${app.slug}-${name}` },
          syncState: "OutOfSync",
          health: "Degraded",
          syncedRevision: null,
          message: "sync operation Failed",
          operation: { phase: "Failed", message: failure, revision: null },
          observedAt: new Date().toISOString(),
        },
      ]),
    );
    expect(live.status).toBe(200);
    await expect(clusterRow).toContainText(failure);
    await expect(clusterRow).toContainText("sync failed");

    await page.goto("/clusters");
    await row.getByRole("button", { name: `Revoke token of ${name}` }).click();
    await expect(row.getByRole("status")).toContainText("revoked");
    const refused = await postReport(origin, name, token, report(3));
    expect(refused.status).toBe(401);
    await expect(row.getByRole("button", { name: `Issue token of ${name}` })).toBeVisible();
  } finally {
    await revokeIfIssued(page, name);
  }
});

/** Revokes the cluster's agent token on /clusters, if it still has one. */
async function revokeIfIssued(page: Page, name: string): Promise<void> {
  await page.goto("/clusters");
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name }) });
  const revoke = row.getByRole("button", { name: `Revoke token of ${name}` });
  if ((await revoke.count()) === 0) return;
  await revoke.click();
  await expect(row.getByRole("status")).toContainText("revoked");
}

test("someone who is not an admin sees the clusters but cannot register one", async ({ page }) => {
  const viewer = createPerson({ roles: ["viewer"] });
  await signIn(page, viewer);
  await page.goto("/clusters");
  await expect(page.getByRole("heading", { name: "Clusters", level: 1 })).toBeVisible();
  await expect(page.getByRole("table")).toBeVisible();
  await expect(page.getByRole("button", { name: "Register" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Register a cluster" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Revoke the agent token/ })).toHaveCount(0);
});
