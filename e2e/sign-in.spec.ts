import fs from "node:fs";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { createPerson, e2eDataDir, firstAdminPassword, signIn } from "./support/auth";

/**
 * Signing in, in a real browser against the real portal: the first start's
 * admin and the forced password change, wrong passwords, the per-account
 * delay (and the owner's known browser),
 * sign-out that ends the session on the server, and pages that run under a
 * strict Content-Security-Policy (a nonce, no 'unsafe-inline' scripts).
 */

declare global {
  interface Window {
    /** Set by a test to tell a client-side navigation from a reload. */
    gantryMarker?: number;
  }
}

/** The form's message (Next's route announcer is an alert too). */
function formAlert(page: Page) {
  return page.locator("form").getByRole("alert");
}

async function submitSignIn(page: Page, email: string, password: string) {
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("the first start's admin must change the one-time password before anything else", async ({
  page,
}) => {
  const oneTime = firstAdminPassword();
  await page.goto("/apps");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fapps/);
  await submitSignIn(page, "admin@gantry.local", oneTime);
  await expect(page).toHaveURL(/\/account\/password$/);
  await expect(page.getByText("Choose a new password before you go on")).toBeVisible();

  // Nothing else is reachable until the password is changed.
  await page.goto("/promotions");
  await expect(page).toHaveURL(/\/account\/password$/);

  await page.getByLabel("Current password").fill(oneTime);
  await page.getByLabel("New password", { exact: true }).fill("too short");
  await page.getByLabel("New password again").fill("too short");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(formAlert(page)).toContainText("at least 12 characters");

  const chosen = "a passphrase the admin chose";
  await page.getByLabel("Current password").fill(oneTime);
  await page.getByLabel("New password", { exact: true }).fill(chosen);
  await page.getByLabel("New password again").fill(chosen);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed")).toBeVisible();
  await expect(page.getByText("every environment")).toBeVisible();
  // The one-time password is no longer kept on disk.
  expect(fs.existsSync(path.join(e2eDataDir, "admin-password"))).toBe(false);

  await page.goto("/promotions");
  await expect(page).toHaveURL(/\/promotions$/);

  // The one-time password is gone; the chosen one works.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await submitSignIn(page, "admin@gantry.local", oneTime);
  await expect(formAlert(page)).toHaveText("Wrong e-mail or password.");
  await page.goto("/sign-in");
  await submitSignIn(page, "admin@gantry.local", chosen);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test("a wrong password is refused with a message, and the same message for an unknown e-mail", async ({
  page,
}) => {
  const person = createPerson({ roles: ["viewer"] });
  await page.goto("/sign-in");
  await submitSignIn(page, person.email, "not the password at all");
  await expect(formAlert(page)).toHaveText("Wrong e-mail or password.");
  await expect(page.getByLabel("E-mail")).toHaveValue(person.email);
  await page.goto("/sign-in");
  await submitSignIn(page, `nobody-${person.email}`, "not the password at all");
  await expect(formAlert(page)).toHaveText("Wrong e-mail or password.");
});

test("five wrong passwords hold the account back, except on a browser it signed in on before", async ({
  page,
  browser,
  baseURL,
}) => {
  const person = createPerson({ roles: ["viewer"] });
  // The owner signed in on this browser once (it keeps a known-device cookie), then signed out.
  await signIn(page, person);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  const stranger = await browser.newContext({ baseURL });
  try {
    const guesser = await stranger.newPage();
    for (let attempt = 1; attempt <= 5; attempt++) {
      // A fresh form each time, so the message seen is this attempt's.
      await guesser.goto("/sign-in");
      await submitSignIn(guesser, person.email, `wrong password number ${attempt}`);
      await expect(formAlert(guesser)).toHaveText("Wrong e-mail or password.");
    }
    await guesser.goto("/sign-in");
    await submitSignIn(guesser, person.email, person.password);
    await expect(formAlert(guesser)).toHaveText("too many failed sign-ins; try again in 1 minute");
    await expect(guesser.getByRole("button", { name: "Sign out" })).toHaveCount(0);
  } finally {
    await stranger.close();
  }

  // The owner's own browser is not held back.
  await page.goto("/sign-in");
  await submitSignIn(page, person.email, person.password);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test("signing out returns to /sign-in and the old session cookie no longer works", async ({
  page,
  browser,
  baseURL,
}) => {
  const person = createPerson({ roles: ["developer"], teams: ["payments"] });
  await signIn(page, person);
  const cookies = await page.context().cookies();
  const session = cookies.find((cookie) => cookie.name.endsWith("gantry.session"));
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  // Someone who kept a copy of the cookie gets nothing from it.
  const replay = await browser.newContext({ baseURL });
  try {
    await replay.addCookies(cookies);
    const stolen = await replay.newPage();
    await stolen.goto("/account");
    await expect(stolen).toHaveURL(/\/sign-in\?next=%2Faccount/);
    const api = await stolen.request.get("/api/v1/promotions");
    expect(api.status()).toBe(401);
  } finally {
    await replay.close();
  }
});

test("pages run under a nonce CSP with no violations, and hydrate", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));

  const response = await page.goto("/sign-in");
  const policy = response?.headers()["content-security-policy"] ?? "";
  const scripts = policy.split(";").find((directive) => directive.trim().startsWith("script-src"));
  expect(scripts).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
  expect(scripts).not.toContain("unsafe-inline");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(response?.headers()["x-content-type-options"]).toBe("nosniff");

  const person = createPerson({ roles: ["developer", "approver"], approverEnvironments: ["*"] });
  await signIn(page, person);
  for (const path of ["/", "/apps", "/promotions", "/clusters", "/account"]) {
    await page.goto(path);
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  }
  // React took over the page: a link click navigates without a reload.
  await page.evaluate(() => {
    window.gantryMarker = 1;
  });
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Applications" })
    .click();
  await expect(page).toHaveURL(/\/apps$/);
  expect(await page.evaluate(() => window.gantryMarker)).toBe(1);
  expect(problems.filter((text) => /Content Security Policy|CSP|nonce/i.test(text))).toEqual([]);
  expect(problems).toEqual([]);
});
