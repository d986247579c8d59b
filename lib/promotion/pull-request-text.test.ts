import { describe, expect, it } from "vitest";
import { type PromotionText, promotionBody, promotionCommitMessage } from "./pull-request-text";

const text: PromotionText = {
  id: "p1",
  application: "cart",
  environment: "prod",
  fromEnvironment: "staging",
  version: "4.1.0",
  previousVersion: "4.0.0",
  valuesPath: "apps/base/cart/release.yaml",
  places: [
    "apps/production/cart-values.yaml → spec.values.image.tag",
    "apps/base/cart/release.yaml → spec.chart.spec.version (chart version)",
  ],
  reason: "soaked in staging",
  requestedBy: { name: "Dev", email: "dev@example.com" },
  publicUrl: "https://gantry.example.com",
};

describe("the words of a promotion that writes several places", () => {
  it("the commit message lists every place, one per line", () => {
    expect(promotionCommitMessage(text)).toContain(
      [
        "4.0.0 → 4.1.0, the version staging runs, in:",
        "- apps/production/cart-values.yaml → spec.values.image.tag",
        "- apps/base/cart/release.yaml → spec.chart.spec.version (chart version)",
      ].join("\n"),
    );
  });

  it("the pull request body lists every place under Where", () => {
    expect(promotionBody(text)).toContain(
      [
        "**Where:**",
        "- `apps/production/cart-values.yaml → spec.values.image.tag`",
        "- `apps/base/cart/release.yaml → spec.chart.spec.version (chart version)`",
      ].join("\n"),
    );
  });

  it("a promotion stored before locators names its values file", () => {
    const { places: _, ...old } = text;
    expect(promotionBody(old)).toContain("**Where:**\n- `apps/base/cart/release.yaml`\n");
  });
});
