import { describe, expect, it } from "vitest";
import { EnvironmentPolicyFromYaml, StoredPolicySchema } from "@/lib/gitops-repo/policy/normalise";
import { DEFAULT_POLICY } from "@/lib/gitops-repo/policy/types";

describe("rollback policy", () => {
  it("defaults to one approval, allowed during a freeze with a reason, no automatic rollback", () => {
    const policy = EnvironmentPolicyFromYaml.parse({ approvals: 2 });
    expect(policy.rollback).toEqual({
      approvals: 1,
      allowDuringFreeze: true,
      healthyWithinMinutes: 15,
    });
    expect(policy.autoRollback).toBe(false);
  });

  it("reads rollback and autoRollback as written", () => {
    const policy = EnvironmentPolicyFromYaml.parse({
      rollback: { approvals: 0, duringFreeze: "refused", healthyWithin: "1h" },
      autoRollback: true,
    });
    expect(policy.rollback).toEqual({
      approvals: 0,
      allowDuringFreeze: false,
      healthyWithinMinutes: 60,
    });
    expect(policy.autoRollback).toBe(true);
  });

  it("refuses a window that is not a duration, naming the key", () => {
    const parsed = EnvironmentPolicyFromYaml.safeParse({ rollback: { healthyWithin: "soon" } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["rollback", "healthyWithin"]);
  });

  it("reads a policy stored before rollbacks existed with the defaults", () => {
    const { rollback: _rollback, autoRollback: _auto, ...older } = DEFAULT_POLICY;
    const parsed = StoredPolicySchema.parse({ ...older, approvals: { required: 3, team: null } });
    expect(parsed.rollback).toEqual(DEFAULT_POLICY.rollback);
    expect(parsed.autoRollback).toBe(false);
    expect(parsed.approvals.required).toBe(3);
  });
});
