import { expect, test } from "@playwright/test";
import { createPerson, signIn } from "./support/auth";

/** The API reference page and the OpenAPI document it is generated with, as a signed-in reader sees them. */
test("the API reference lists every operation and links the OpenAPI document", async ({ page }) => {
  const reader = createPerson({ roles: ["viewer"], name: `E2E API reader ${Date.now()}` });
  await signIn(page, reader);

  await page.getByRole("link", { name: "API", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();
  const requestPromotion = page.getByRole("region", {
    name: "POST /api/v1/promotions Request a promotion",
  });
  await expect(requestPromotion).toBeVisible();
  await expect(
    requestPromotion.getByText("permission (a signed-in person or an API token)"),
  ).toBeVisible();
  await requestPromotion.getByText("Request body (JSON Schema)").click();
  await expect(requestPromotion.getByText('"breakGlassReason"')).toBeVisible();

  const response = await page.request.get("/api/v1/openapi.json");
  expect(response.ok()).toBe(true);
  const document = (await response.json()) as { openapi: string; paths: Record<string, object> };
  expect(document.openapi).toBe("3.1.0");
  expect(Object.keys(document.paths)).toContain("/api/v1/promotions/{id}/reviews");
});
