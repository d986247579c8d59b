import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_POLICY, type EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";
import { readPolicy } from "@/lib/policy/read-policy";

const stored: EnvironmentPolicy = {
  ...DEFAULT_POLICY,
  approvals: { required: 2, team: "prod-approvers" },
  order: { requireDeployedInPrevious: true, requireHealthy: true },
  autoMerge: false,
  progression: { autoPromote: "manual", soakSeconds: 0, gate: null },
  freezes: [
    {
      kind: "range",
      from: "2027-12-24T00:00:00+01:00",
      to: "2028-01-02T08:00:00+01:00",
      reason: "Year end",
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

describe("readPolicy", () => {
  afterEach(() => vi.restoreAllMocks());

  it("gives back a stored policy as it is", () => {
    expect(readPolicy(stored, { environment: "prod" })).toEqual(stored);
  });

  it("reads the column's default {} as the default policy, quietly", () => {
    const warn = vi.spyOn(process.stderr, "write").mockReturnValue(true);
    expect(readPolicy({}, { environment: "dev" })).toEqual(DEFAULT_POLICY);
    expect(warn).not.toHaveBeenCalled();
  });

  it("falls back to the default policy and logs when the stored value breaks the rules", () => {
    const warn = vi.spyOn(process.stderr, "write").mockReturnValue(true);
    const broken = {
      ...stored,
      freezes: [
        { kind: "recurring", cron: "0 18 * *", durationMinutes: 60, timezone: "UTC", reason: "x" },
      ],
    };
    expect(readPolicy(broken, { environment: "prod" })).toEqual(DEFAULT_POLICY);
    expect(readPolicy({ approvals: 2 }, { environment: "prod" })).toEqual(DEFAULT_POLICY);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(String(warn.mock.calls[0]?.[0])).toContain("freezes.0.cron");
    expect(String(warn.mock.calls[0]?.[0])).toContain('"environment":"prod"');
  });
});
