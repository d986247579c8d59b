import { describe, expect, it } from "vitest";
import { parseEnvironments } from "@/lib/gitops-repo/environments";

const FILE = "environments.yaml";

describe("parseEnvironments", () => {
  it("parses environments in order and keeps unknown policy keys", () => {
    const text = `environments:
  - name: dev
    displayName: Development
    clusters:
      - name: dev-eu-west-1
        region: eu-west-1
        provider: aws
    policy:
      autoPromote: true
      someFutureKey: [1, 2]
  - name: prod
    displayName: Production
    description: Customer traffic
    clusters:
      - name: prod-eu-west-1
      - name: prod-us-east-1
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
            policy: { autoPromote: true, someFutureKey: [1, 2] },
          },
          {
            name: "prod",
            displayName: "Production",
            description: "Customer traffic",
            clusters: [{ name: "prod-eu-west-1" }, { name: "prod-us-east-1" }],
          },
        ],
      },
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
