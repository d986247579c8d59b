import { describe, expect, it } from "vitest";
import { parseEnvironments } from "@/lib/gitops-repo/environments";
import { DEFAULT_POLICY } from "@/lib/gitops-repo/policy/types";

const FILE = "environments.yaml";

describe("parseEnvironments", () => {
  it("parses environments in order and normalises their policies", () => {
    const text = `environments:
  - name: dev
    displayName: Development
    clusters:
      - name: dev-eu-west-1
        region: eu-west-1
        provider: aws
    policy:
      approvals: 0
      autoMerge: true
  - name: prod
    displayName: Production
    description: Customer traffic
    clusters:
      - name: prod-eu-west-1
      - name: prod-us-east-1
    policy:
      approvals: { count: 2, team: prod-approvers }
      order: healthy
      freezes:
        - from: 2026-12-24T00:00:00+01:00
          to: 2027-01-02T08:00:00+01:00
          reason: Year-end freeze
        - cron: "0 18 * * FRI"
          duration: 62h
          timezone: Europe/Berlin
          reason: Weekend
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-1 }]
`;
    const result = parseEnvironments(text, FILE);
    expect(result).toEqual({
      ok: true,
      value: {
        environments: [
          {
            name: "dev",
            displayName: "Development",
            clusters: [{ name: "dev-eu-west-1", region: "eu-west-1", provider: "aws" }],
            policy: { ...DEFAULT_POLICY, autoMerge: true },
          },
          {
            name: "prod",
            displayName: "Production",
            description: "Customer traffic",
            clusters: [{ name: "prod-eu-west-1" }, { name: "prod-us-east-1" }],
            policy: {
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
                  durationMinutes: 62 * 60,
                  timezone: "Europe/Berlin",
                  reason: "Weekend",
                },
              ],
            },
          },
          {
            name: "staging",
            displayName: "Staging",
            clusters: [{ name: "staging-1" }],
            policy: DEFAULT_POLICY,
          },
        ],
      },
    });
  });

  it("reads order deployed and a plain approval count", () => {
    const text = `environments:
  - name: staging
    displayName: Staging
    clusters: [{ name: s1 }]
    policy:
      approvals: 1
      order: deployed
`;
    const result = parseEnvironments(text, FILE);
    expect(result.ok && result.value.environments[0]?.policy).toEqual({
      ...DEFAULT_POLICY,
      approvals: { required: 1, team: null },
      order: { requireDeployedInPrevious: true, requireHealthy: false },
    });
  });

  describe("a policy mistake is located at the field and says what is wrong", () => {
    function policyError(policy: string): unknown {
      const text = `environments:
  - name: prod
    displayName: Production
    clusters: [{ name: p1 }]
    policy:
${policy
  .split("\n")
  .map((line) => `      ${line}`)
  .join("\n")}
`;
      const result = parseEnvironments(text, FILE);
      return result.ok ? result : result.error;
    }

    it("an invalid cron expression", () => {
      expect(
        policyError(`freezes:
  - cron: "0 18 * *"
    duration: 62h
    reason: Weekend`),
      ).toEqual({
        file: FILE,
        line: 7,
        column: 17,
        message: expect.stringMatching(
          /^environments\[0\]\.policy\.freezes\[0\]\.cron: is not a valid cron expression .*five/,
        ),
      });
    });

    it("a cron expression that never fires", () => {
      expect(
        policyError(`freezes:
  - cron: "0 0 30 2 *"
    duration: 1h
    reason: Never`),
      ).toMatchObject({ message: expect.stringContaining("never matches a date") });
    });

    it("an unknown time zone", () => {
      expect(
        policyError(`freezes:
  - cron: "0 18 * * FRI"
    duration: 62h
    timezone: Europe/Atlantis
    reason: Weekend`),
      ).toEqual({
        file: FILE,
        line: 9,
        column: 21,
        message:
          "environments[0].policy.freezes[0].timezone: must be an IANA time zone such as Europe/Berlin, America/New_York or UTC",
      });
    });

    it("a duration that is not one", () => {
      expect(
        policyError(`freezes:
  - cron: "0 18 * * FRI"
    duration: 62 hours
    reason: Weekend`),
      ).toMatchObject({
        line: 8,
        message: expect.stringMatching(
          /^environments\[0\]\.policy\.freezes\[0\]\.duration: must be a duration such as 90m, 62h or 2d/,
        ),
      });
      expect(
        policyError(`freezes:
  - cron: "0 18 * * FRI"
    duration: 0m
    reason: Weekend`),
      ).toMatchObject({ line: 8, message: expect.stringContaining(".duration: must be") });
    });

    it("a date range that ends before it starts", () => {
      expect(
        policyError(`freezes:
  - from: 2027-01-02T08:00:00+01:00
    to: 2026-12-24T00:00:00+01:00
    reason: Backwards`),
      ).toEqual({
        file: FILE,
        line: 8,
        column: 15,
        message:
          "environments[0].policy.freezes[0].to: must be after from (2027-01-02T08:00:00+01:00)",
      });
    });

    it("a date without an offset", () => {
      expect(
        policyError(`freezes:
  - from: 2026-12-24
    to: 2027-01-02T08:00:00Z
    reason: Year end`),
      ).toMatchObject({
        line: 7,
        message: expect.stringContaining(
          ".freezes[0].from: must be a date and time with an offset",
        ),
      });
    });

    it("a freeze that mixes a range and a cron", () => {
      expect(
        policyError(`freezes:
  - from: 2026-12-24T00:00:00Z
    to: 2027-01-02T08:00:00Z
    cron: "0 18 * * FRI"
    reason: Both`),
      ).toMatchObject({ line: 7, message: expect.stringContaining("either a date range") });
    });

    it("progression rules: a bad rule, soak, gate URL and gate timeout", () => {
      expect(policyError("autoPromote: always")).toMatchObject({
        message: expect.stringContaining(
          "policy.autoPromote: must be one of manual, on-release, after-healthy",
        ),
      });
      expect(policyError("autoPromote: after-healthy\nsoak: 8d")).toMatchObject({
        message: expect.stringContaining("policy.soak: must be a duration such as 30m"),
      });
      expect(
        policyError("autoPromote: after-healthy\ngate:\n  url: javascript:alert(1)"),
      ).toMatchObject({
        message: expect.stringContaining("policy.gate.url: must be an http:// or https:// URL"),
      });
      expect(
        policyError("gate:\n  url: https://checks.example.com/{app}\n  timeout: 5m"),
      ).toMatchObject({
        message: expect.stringContaining("policy.gate.timeout: must be a duration from 1s to 30s"),
      });
    });

    it("progression rules in their normal form, after-healthy soaking 30 minutes unless told", () => {
      const parsed = policyError(`autoPromote: after-healthy
gate:
  url: https://checks.example.com/{app}/{env}/{version}
  checks: 3`);
      expect(parsed).toMatchObject({
        ok: true,
        value: {
          environments: [
            {
              policy: {
                progression: {
                  autoPromote: "after-healthy",
                  soakSeconds: 1800,
                  gate: {
                    url: "https://checks.example.com/{app}/{env}/{version}",
                    timeoutSeconds: 5,
                    checks: 3,
                  },
                },
              },
            },
          ],
        },
      });
      expect(policyError("autoPromote: on-release\nsoak: 1h 30m")).toMatchObject({
        ok: true,
        value: {
          environments: [
            { policy: { progression: { autoPromote: "on-release", soakSeconds: 5400 } } },
          ],
        },
      });
    });

    it("an unknown key, a bad order and a bad approval count", () => {
      expect(policyError("autoPromotion: true")).toMatchObject({
        line: 6,
        message: 'environments[0].policy: unknown key "autoPromotion"',
      });
      expect(policyError("order: previous")).toMatchObject({
        line: 6,
        message: expect.stringContaining(
          "environments[0].policy.order: must be one of deployed, healthy, none",
        ),
      });
      expect(policyError("approvals: -1")).toMatchObject({
        line: 6,
        message: expect.stringContaining(
          "environments[0].policy.approvals: must be a whole number",
        ),
      });
      expect(policyError("approvals: { count: 2, team: Prod Approvers }")).toMatchObject({
        message: expect.stringContaining("environments[0].policy.approvals.team: must be a name"),
      });
    });
  });

  it("locates a duplicated environment at its name", () => {
    const text = `environments:
  - name: dev
    displayName: Dev
    clusters: [{name: a}]
  - name: dev
    displayName: Dev again
    clusters: [{name: b}]
`;
    expect(parseEnvironments(text, FILE)).toEqual({
      ok: false,
      error: {
        file: FILE,
        line: 5,
        column: 11,
        message: 'environments[1].name: environment "dev" is listed twice',
      },
    });
  });

  it("refuses a cluster listed under two environments", () => {
    const text = `environments:
  - name: dev
    displayName: Dev
    clusters: [{name: shared}]
  - name: prod
    displayName: Prod
    clusters:
      - name: shared
`;
    expect(parseEnvironments(text, FILE)).toMatchObject({
      ok: false,
      error: {
        line: 8,
        column: 15,
        message: expect.stringContaining('already listed under environment "dev"'),
      },
    });
  });

  it("requires at least one cluster", () => {
    const text = "environments:\n  - name: dev\n    displayName: Dev\n    clusters: []\n";
    expect(parseEnvironments(text, FILE)).toMatchObject({
      ok: false,
      error: {
        line: 4,
        column: 15,
        message: "environments[0].clusters: must list at least 1 item",
      },
    });
  });

  it("requires the environments list", () => {
    expect(parseEnvironments("envs: []\n", FILE)).toMatchObject({
      ok: false,
      error: { line: 1, column: 1, message: "environments: is required" },
    });
  });
});
