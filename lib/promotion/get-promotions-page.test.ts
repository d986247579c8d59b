import { describe, expect, it } from "vitest";
import { promotionsHref } from "./get-promotions-page";
import { PromotionQuerySchema } from "./list-promotions";

describe("promotionsHref", () => {
  it("keeps the filter and leaves out the first page and empty values", () => {
    const query = PromotionQuerySchema.parse({ state: "pr_open", app: "payments" });
    expect(promotionsHref(query, 1)).toBe("/promotions?state=pr_open&app=payments");
    expect(promotionsHref(query, 3)).toBe("/promotions?state=pr_open&app=payments&page=3");
  });

  it("is the bare list without a filter", () => {
    expect(promotionsHref(PromotionQuerySchema.parse({}), 1)).toBe("/promotions");
  });
});
