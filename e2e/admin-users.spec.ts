import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { createPerson, signIn } from "./support/auth";

/**
 * People and tokens in a real browser: an admin makes a developer, who signs
 * in with the one-time password, must choose their own, and sees their
 * roles; the admin makes a CI token (shown once, works on the API) and
 * revokes it (refused from then on).
 */

test("an admin creates a developer, who signs in with the one-time password and must change it", async ({
  page,
  browser,
}) => {
  // Two people, two browsers, a password change: longer than one page's work.
  test.slow();
  const admin = createPerson({ roles: ["admin"] });
  await signIn(page, admin);
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "People" })
    .click();
  await expect(page.getByRole("heading", { name: "People", level: 1 })).toBeVisible();

  const tag = randomBytes(4).toString("hex");
  const email = `new-dev-${tag}@example.test`;
  const name = `New Developer ${tag}`;
  const form = page.getByRole("region", { name: "New local account" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("E-mail", { exact: true }).fill(email);
  await form.getByRole("checkbox", { name: /^developer/ }).check();
  await form.getByLabel("Teams", { exact: true }).fill("payments, checkout");
  await form.getByRole("button", { name: "Create account" }).click();

  const secret = form.getByRole("region", { name: `One-time password for ${email}` });
  await expect(secret).toContainText("Shown only this once");
  const oneTime = (await secret.locator("output").textContent())?.trim() ?? "";
  expect(oneTime).toMatch(/^[A-Za-z0-9_-]{20}$/);
  const row = page.getByRole("row").filter({ hasText: email });
  await expect(row).toContainText("must change password");
  await expect(row).toContainText("checkout, payments");

  // A bad e-mail is refused in words, naming the field.
  await form.getByLabel("Name", { exact: true }).fill("Someone");
  await form.getByLabel("E-mail", { exact: true }).fill(email);
  await form.getByRole("button", { name: "Create account" }).click();
  await expect(form.getByRole("alert")).toHaveText(`email: ${email} already has an account`);

  // The developer, in a browser of their own.
  const context = await browser.newContext();
  const developer = await context.newPage();
  await developer.goto("/sign-in");
  await developer.getByLabel("E-mail").fill(email);
  await developer.getByLabel("Password", { exact: true }).fill(oneTime);
  await developer.getByRole("button", { name: "Sign in" }).click();
  await expect(developer).toHaveURL(/\/account\/password$/);
  const chosen = `chosen by the developer ${tag}`;
  await developer.getByLabel("Current password").fill(oneTime);
  await developer.getByLabel("New password", { exact: true }).fill(chosen);
  await developer.getByLabel("New password again").fill(chosen);
  await developer.getByRole("button", { name: "Change password" }).click();
  await expect(developer.getByText("Password changed")).toBeVisible();
  const roles = developer.getByRole("definition").first();
  await expect(roles.getByRole("listitem")).toHaveText(["viewer", "developer"]);
  await expect(developer.getByRole("listitem").filter({ hasText: "payments" })).toBeVisible();
  // People is not theirs to manage: no link, and the page refuses.
  await expect(developer.getByRole("link", { name: "People" })).toHaveCount(0);
  await developer.goto("/admin/users");
  await expect(developer.getByText("Only admins may manage people")).toBeVisible();
  await context.close();

  // The admin sees the change of status, then resets the password and disables them.
  await page.reload();
  await expect(page.getByRole("row").filter({ hasText: email })).toContainText("active");
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Disable account" }).click();
  await expect(page.getByRole("button", { name: "Enable account" })).toBeVisible();
});

test("an admin creates a CI token, shown once, and revokes it", async ({ page, request }) => {
  const admin = createPerson({ roles: ["admin"] });
  await signIn(page, admin);
  await page.goto("/admin/tokens");
  await expect(page.getByRole("heading", { name: "CI tokens", level: 1 })).toBeVisible();

  const tokenName = `pipeline-${randomBytes(3).toString("hex")}`;
  const form = page.getByRole("region", { name: "New CI token" });
  await form.getByLabel("Token name").fill(tokenName);
  await form.getByRole("checkbox", { name: "promotions:write" }).uncheck();
  await form.getByRole("button", { name: "Create token" }).click();
  const secret = form.getByRole("region", { name: `CI token ${tokenName}` });
  const token = (await secret.locator("output").textContent())?.trim() ?? "";
  expect(token).toMatch(/^gantry_[A-Za-z0-9_-]{43}$/);
  const row = page.getByRole("row").filter({ hasText: tokenName });
  await expect(row).toContainText("promotions:read");
  await expect(row).not.toContainText("promotions:write");
  await expect(row).not.toContainText(token);

  const api = (bearer: string) =>
    request.get("/api/v1/promotions", { headers: { authorization: `Bearer ${bearer}` } });
  expect((await api(token)).status()).toBe(200);

  // Shown once: a reload shows the token's row, never the token.
  await page.reload();
  await expect(page.getByRole("row").filter({ hasText: tokenName })).toBeVisible();
  await expect(page.getByText(token)).toHaveCount(0);

  await page.getByRole("button", { name: `Revoke ${tokenName}` }).click();
  await expect(page.getByRole("row").filter({ hasText: tokenName })).toContainText("revoked");
  const refused = await api(token);
  expect(refused.status()).toBe(401);
  expect(await refused.json()).toMatchObject({
    error: { code: "unauthenticated", message: "the API token was revoked" },
  });
});
