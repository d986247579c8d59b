import { describe, expect, it } from "vitest";
import { insightsHref } from "@/components/insights/links";

describe("insights links", () => {
  it("keeps filters, drops defaults and a custom range when a preset is chosen", () => {
    const state = {
      from: "2026-01-01",
      to: "2026-01-31",
      group: "app",
      team: "payments",
      sort: "deployments",
    };
    expect(insightsHref(state, { period: "7" })).toBe("/insights?group=app&team=payments&period=7");
    expect(insightsHref({ period: "28" }, { sort: "leadTime", dir: "asc" })).toBe(
      "/insights?period=28&sort=leadTime&dir=asc",
    );
    expect(insightsHref({})).toBe("/insights");
  });
});
