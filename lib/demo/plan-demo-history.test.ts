import { describe, expect, it } from "vitest";
import {
  earlierVersion,
  type HistoryPromotion,
  planApplicationHistory,
} from "@/lib/demo/plan-demo-history";
import { Random } from "@/lib/demo/random";
import { canTransition } from "@/lib/promotion/transitions";

const ENVIRONMENTS = ["dev", "test", "staging", "prod"];
const UNTIL = new Date("2026-11-20T09:00:00Z");
const FROM = new Date(UNTIL.getTime() - 42 * 86_400_000);

function plan(slug: string, team: string, prod = "2.14.3"): HistoryPromotion[] {
  return planApplicationHistory({
    application: {
      slug,
      team,
      versions: { dev: "2.15.0", test: "2.15.0", staging: prod, prod },
    },
    environments: ENVIRONMENTS,
    approvalEnvironments: new Set(["staging", "prod"]),
    from: FROM,
    until: UNTIL,
    seed: 7,
  });
}

describe("planning the demo history", () => {
  it("is the same every time for the same application", () => {
    expect(plan("payments-api", "payments")).toEqual(plan("payments-api", "payments"));
    expect(plan("payments-api", "payments")).not.toEqual(plan("ledger", "payments"));
  });

  it("moves each promotion through legal transitions, in time order, inside the period", () => {
    for (const team of ["payments", "search", "checkout", "identity", "growth"]) {
      const promotions = plan(`${team}-api`, team);
      expect(promotions.length).toBeGreaterThan(10);
      for (const p of promotions) {
        let state = "planned" as Parameters<typeof canTransition>[0];
        let at = p.createdAt;
        expect(at.getTime()).toBeGreaterThanOrEqual(FROM.getTime());
        for (const step of p.steps) {
          expect(canTransition(state, step.to), `${state} → ${step.to}`).toBe(true);
          expect(step.at.getTime()).toBeGreaterThanOrEqual(at.getTime());
          expect(step.at.getTime()).toBeLessThanOrEqual(UNTIL.getTime());
          state = step.to;
          at = step.at;
        }
        if (p.steps.some((step) => step.to === "merged")) {
          const approved = p.steps.some((step) => step.to === "approved");
          expect(approved).toBe(p.environment === "staging" || p.environment === "prod");
        }
      }
    }
  });

  it("ends at the version production runs now, and has failures with restores", () => {
    const all = ["payments", "search", "checkout", "identity", "growth", "data"].flatMap((team) =>
      plan(`${team}-api`, team),
    );
    const lastProd = plan("payments-api", "payments")
      .filter((p) => p.environment === "prod" && p.steps.at(-1)?.to === "deployed")
      .at(-1);
    expect(lastProd?.version).toBe("2.14.3");
    const rolledBack = all.filter((p) => p.steps.at(-1)?.to === "rolled_back");
    const failed = all.filter((p) => p.steps.some((step) => step.to === "failed"));
    expect(rolledBack.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    const rate = (rolledBack.length + failed.length) / all.length;
    expect(rate).toBeGreaterThan(0.03);
    expect(rate).toBeLessThan(0.25);
  });

  it("counts versions down plausibly", () => {
    const random = new Random(1);
    expect(earlierVersion("1.4.2", random)).toBe("1.4.1");
    expect(earlierVersion("1.4.0", random)).toMatch(/^1\.3\.[0-3]$/);
    expect(earlierVersion("2.0.0", random)).toMatch(/^1\.[1-9]\.[0-3]$/);
    expect(earlierVersion("v0.0.0", random)).toBeNull();
    expect(earlierVersion("2026.11.3", random)).toBe("2026.11.2");
    expect(earlierVersion("a1b2c3d", random)).toMatch(/^[0-9a-f]{7}$/);
    expect(earlierVersion("latest", random)).toBeNull();
  });
});
