import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getPromotionsPage } from "@/lib/promotion/get-promotions-page";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

describe("the promotions page's view model", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("names each parameter it cannot read instead of listing", async () => {
    const view = await getPromotionsPage({
      ctx: { db: database.db },
      searchParams: { state: "shipped", page: "0" },
    });
    expect(view.ok).toBe(false);
    if (view.ok) return;
    expect(view.errors).toHaveLength(2);
    expect(view.errors.some((error) => error.startsWith("state"))).toBe(true);
    expect(view.errors.some((error) => error.startsWith("page"))).toBe(true);
  });

  it("ignores empty parameters (an empty filter form) and has no page beside the only one", async () => {
    const view = await getPromotionsPage({
      ctx: { db: database.db },
      searchParams: { state: "", app: "", person: undefined },
    });
    if (!view.ok) throw new Error(view.errors.join("; "));
    expect(view.page).toMatchObject({ total: 0, page: 1, pageCount: 1 });
    expect(view.previousHref).toBeNull();
    expect(view.nextHref).toBeNull();
  });
});
