import { describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { DEFAULT_POLICY } from "@/lib/gitops-repo/policy/types";
import type { Person } from "@/lib/identity/principal";
import { enforcePromotionPolicy, type PromotionPolicyCheck } from "@/lib/policy/check-promotion";

function person(overrides: Partial<Person> = {}): Person {
  return {
    kind: "person",
    id: "user-1",
    name: "Pat",
    email: "pat@example.com",
    roles: ["developer"],
    teams: ["payments"],
    approverEnvironments: [],
    breakGlass: false,
    gitLogin: null,
    ...overrides,
  };
}

const open: PromotionPolicyCheck = {
  environment: "prod",
  policy: DEFAULT_POLICY,
  freeze: null,
  freezeMessage: null,
  orderRefusal: null,
};
const frozen: PromotionPolicyCheck = {
  ...open,
  freeze: { until: new Date("2027-01-04T08:00:00Z"), reason: "Year-end freeze" },
  freezeMessage: "prod is frozen until Monday 08:00 UTC (Year-end freeze)",
};
const ordered: PromotionPolicyCheck = {
  ...open,
  policy: { ...DEFAULT_POLICY, order: { requireDeployedInPrevious: true, requireHealthy: false } },
};

function refusal(run: () => unknown): GantryError {
  try {
    run();
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

const enforce = (
  check: PromotionPolicyCheck,
  overrides: Partial<Parameters<typeof enforcePromotionPolicy>[0]> = {},
) =>
  enforcePromotionPolicy({
    check,
    principal: person(),
    team: "payments",
    skipOrder: false,
    breakGlassReason: undefined,
    ...overrides,
  });

describe("enforcePromotionPolicy", () => {
  it("lets an open environment through and keeps no break-glass reason", () => {
    expect(enforce(open, { breakGlassReason: "nothing to break here" })).toEqual({
      breakGlassReason: null,
    });
  });

  it("refuses what the order rule refuses, in its words", () => {
    const error = refusal(() =>
      enforce({ ...ordered, orderRefusal: "1.4.2 is not deployed in staging yet" }),
    );
    expect(error).toMatchObject({
      code: "conflict",
      message: "1.4.2 is not deployed in staging yet",
    });
  });

  it("keeps skipOrder to admins where the policy orders, and lets anyone skip where it does not", () => {
    expect(refusal(() => enforce(ordered, { skipOrder: true }))).toMatchObject({
      code: "forbidden",
      details: { field: "skipOrder" },
    });
    expect(enforce(ordered, { skipOrder: true, principal: person({ roles: ["admin"] }) })).toEqual({
      breakGlassReason: null,
    });
    expect(enforce(open, { skipOrder: true })).toEqual({ breakGlassReason: null });
  });

  it("refuses a frozen environment with the freeze message", () => {
    expect(refusal(() => enforce(frozen))).toMatchObject({
      code: "conflict",
      message: "prod is frozen until Monday 08:00 UTC (Year-end freeze)",
    });
    expect(
      refusal(() => enforce(frozen, { principal: person({ breakGlass: true }) })).message,
    ).toBe(
      "prod is frozen until Monday 08:00 UTC (Year-end freeze); you may break the freeze by giving a reason",
    );
  });

  it("lets break-glass through with a reason of 10 to 500 characters, trimmed", () => {
    const glass = person({ breakGlass: true });
    expect(enforce(frozen, { principal: glass, breakGlassReason: "  Outage INC-1  " })).toEqual({
      breakGlassReason: "Outage INC-1",
    });
    expect(
      refusal(() => enforce(frozen, { principal: glass, breakGlassReason: "too short" })).code,
    ).toBe("bad_request");
    expect(
      refusal(() => enforce(frozen, { principal: glass, breakGlassReason: "x".repeat(501) })).code,
    ).toBe("bad_request");
    expect(
      refusal(() => enforce(frozen, { breakGlassReason: "Outage INC-1, urgent" })),
    ).toMatchObject({ code: "forbidden", details: { permission: "promotion:break_glass" } });
  });

  it("never lets a CI token break glass", () => {
    const token = { kind: "ci_token" as const, id: "t1", name: "ci", scopes: ["promotions:write"] };
    expect(
      refusal(() => enforce(frozen, { principal: token, breakGlassReason: "Outage INC-1, urgent" }))
        .code,
    ).toBe("forbidden");
  });
});
