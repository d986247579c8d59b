import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";
import { describeCron, frozenMessage, summarisePolicy } from "@/lib/policy/describe";

const prod: EnvironmentPolicy = {
  ...DEFAULT_POLICY,
  approvals: { required: 2, team: "prod-approvers" },
  order: { requireDeployedInPrevious: true, requireHealthy: true },
  autoMerge: false,
  progression: { autoPromote: "manual", soakSeconds: 0, gate: null },
  freezes: [
    {
      kind: "range",
      from: "2026-12-24T00:00:00+01:00",
      to: "2027-01-02T08:00:00+01:00",
      reason: "Year-end freeze",
    },
    {
      kind: "recurring",
      cron: "0 18 * * FRI",
      durationMinutes: 3720,
      timezone: "Europe/Berlin",
      reason: "Weekend",
    },
  ],
};

describe("policy in words", () => {
  it("says when a frozen environment thaws, by weekday within the week", () => {
    expect(
      frozenMessage({
        environment: "prod",
        until: new Date("2026-11-30T08:00:00Z"),
        reason: "Year-end freeze",
        now: new Date("2026-11-27T18:00:00Z"),
      }),
    ).toBe("prod is frozen until Monday 08:00 UTC (Year-end freeze)");
    expect(
      frozenMessage({
        environment: "prod",
        until: new Date("2027-01-02T07:00:00Z"),
        reason: "Year end",
        now: new Date("2026-12-24T00:00:00Z"),
      }),
    ).toBe("prod is frozen until Sat, 2 Jan 2027, 07:00 UTC (Year end)");
  });

  it("describes plain weekly crons and leaves the rest as written", () => {
    expect(describeCron("0 18 * * FRI")).toBe("every Friday at 18:00");
    expect(describeCron("30 7 * * 1,3")).toBe("every Monday and Wednesday at 07:30");
    expect(describeCron("0 22 * * *")).toBe("every day at 22:00");
    expect(describeCron("0 0 1 * *")).toBe('at each "0 0 1 * *"');
  });

  it("summarises a policy with the freeze in force and the next one", () => {
    const summary = summarisePolicy({
      environment: "prod",
      previousEnvironment: "staging",
      policy: prod,
      now: new Date("2026-11-27T12:00:00Z"),
    });
    expect(summary).toEqual({
      approvals: "2 approvals from prod-approvers, not by the person who asked",
      order: "The version must be deployed and healthy in staging first",
      ordered: true,
      autoMerge: "Someone merges once the policy is met",
      rollback: "1 approval; allowed during a freeze with a written reason; opened by a person",
      progression: "Only people promote",
      freezes: [
        "Year-end freeze: from Wed, 23 Dec 2026, 23:00 UTC to Sat, 2 Jan 2027, 07:00 UTC",
        "Weekend: every Friday at 18:00 (Europe/Berlin) for 62h",
      ],
      frozen: null,
      nextFreeze: {
        from: "Friday 17:00 UTC",
        fromIso: "2026-11-27T17:00:00.000Z",
        until: "Monday 07:00 UTC",
        reason: "Weekend",
        message: "prod will be frozen from Friday 17:00 UTC until Monday 07:00 UTC (Weekend)",
        soon: true,
      },
    });
    const frozen = summarisePolicy({
      environment: "prod",
      previousEnvironment: "staging",
      policy: prod,
      now: new Date("2026-11-28T12:00:00Z"),
    });
    expect(frozen.frozen?.message).toBe("prod is frozen until Monday 07:00 UTC (Weekend)");
    expect(frozen.nextFreeze?.soon).toBe(false);
  });

  it("says how releases move in by themselves", () => {
    const progression = (rule: EnvironmentPolicy["progression"]) =>
      summarisePolicy({
        environment: "staging",
        previousEnvironment: "dev",
        policy: { ...DEFAULT_POLICY, progression: rule },
        now: new Date(),
      }).progression;
    expect(progression({ autoPromote: "on-release", soakSeconds: 0, gate: null })).toBe(
      "A release CI registers comes in at once",
    );
    expect(
      progression({
        autoPromote: "after-healthy",
        soakSeconds: 1800,
        gate: { url: "https://checks.example.com/{app}", timeoutSeconds: 5, checks: 3 },
      }),
    ).toBe(
      "A release comes in once it ran synced and healthy in dev for 30m, checked 3 times by its gate",
    );
  });

  it("summarises the default policy", () => {
    expect(
      summarisePolicy({
        environment: "dev",
        previousEnvironment: null,
        policy: { ...DEFAULT_POLICY, autoMerge: true },
        now: new Date(),
      }),
    ).toMatchObject({
      approvals: "No approval needed",
      order: "Any version may be promoted",
      ordered: false,
      autoMerge: "Merges by itself once the policy is met",
      freezes: [],
      frozen: null,
      nextFreeze: null,
    });
  });

  it("says how a rollback goes ahead, and when Gantry opens it by itself", () => {
    const summary = summarisePolicy({
      environment: "prod",
      previousEnvironment: "staging",
      policy: {
        ...DEFAULT_POLICY,
        rollback: { approvals: 0, allowDuringFreeze: false, healthyWithinMinutes: 30 },
        autoRollback: true,
      },
      now: new Date("2026-11-27T12:00:00Z"),
    });
    expect(summary.rollback).toBe(
      "No approval needed; refused during a freeze; opened by Gantry when a promotion fails after its merge or is not healthy within 30m",
    );
  });
});
