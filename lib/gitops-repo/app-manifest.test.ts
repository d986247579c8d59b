import { describe, expect, it } from "vitest";
import { parseAppManifest } from "@/lib/gitops-repo/app-manifest";

const FILE = "apps/payments-api/app.yaml";

const GOOD = `# Catalogue entry
name: Payments API
team: payments
description: Authorises and captures card payments.
tier: critical
chart: web-service
links:
  - title: Runbook
    url: https://runbooks.example.com/payments-api
labels:
  domain: payments
  language: go
owners: [alice@example.com]
slack: "#payments"
x-team-notes: kept by the team, ignored by Gantry
`;

describe("parseAppManifest", () => {
  it("parses a complete manifest", () => {
    const result = parseAppManifest(GOOD, FILE);
    expect(result).toEqual({
      ok: true,
      value: {
        name: "Payments API",
        team: "payments",
        description: "Authorises and captures card payments.",
        tier: "critical",
        chart: "web-service",
        links: [{ title: "Runbook", url: "https://runbooks.example.com/payments-api" }],
        labels: { domain: "payments", language: "go" },
        owners: ["alice@example.com"],
        slack: "#payments",
      },
    });
  });

  it("fills defaults for optional fields", () => {
    const result = parseAppManifest("name: A\nteam: t\nchart: worker\n", FILE);
    expect(result).toEqual({
      ok: true,
      value: {
        name: "A",
        team: "t",
        chart: "worker",
        description: "",
        tier: "medium",
        links: [],
        labels: {},
      },
    });
  });

  it("locates a missing required key at the mapping", () => {
    const result = parseAppManifest("# header\nname: A\nchart: worker\n", FILE);
    expect(result).toEqual({
      ok: false,
      error: { file: FILE, line: 2, column: 1, message: "team: is required" },
    });
  });

  it("locates a bad enum value at the value and names the choices", () => {
    const result = parseAppManifest("name: A\nteam: t\nchart: worker\ntier:   urgent\n", FILE);
    expect(result).toEqual({
      ok: false,
      error: {
        file: FILE,
        line: 4,
        column: 9,
        message: 'tier: must be one of critical, high, medium, low; found "urgent"',
      },
    });
  });

  it("locates a problem deep inside a list", () => {
    const text = `name: A
team: t
chart: worker
links:
  - title: Docs
    url: https://docs.example.com
  - title: Evil
    url: javascript:alert(1)
`;
    expect(parseAppManifest(text, FILE)).toEqual({
      ok: false,
      error: {
        file: FILE,
        line: 8,
        column: 10,
        message: "links[1].url: must be an http:// or https:// URL",
      },
    });
  });

  it("explains slugs and numbers that should be text", () => {
    const bad = parseAppManifest("name: A\nteam: Payments Team\nchart: worker\n", FILE);
    expect(bad).toMatchObject({ ok: false, error: { line: 2, column: 7 } });
    if (!bad.ok)
      expect(bad.error.message).toMatch(/^team: must be a name made of lowercase letters/);

    const number = parseAppManifest(
      "name: A\nteam: t\nchart: worker\nlabels:\n  cost-center: 4711\n",
      FILE,
    );
    expect(number).toMatchObject({
      ok: false,
      error: {
        line: 5,
        column: 16,
        message: "labels.cost-center: must be text, found number 4711 (put it in quotes)",
      },
    });
  });

  it("counts further problems in the message", () => {
    const result = parseAppManifest("name: A\n", FILE);
    expect(result).toMatchObject({
      ok: false,
      error: { message: "team: is required (and 1 more problem)" },
    });
  });

  it("locates YAML syntax errors and duplicate keys", () => {
    const syntax = parseAppManifest("name: A\nteam: t\n  chart: worker\n", FILE);
    // yaml reports it where the value that would hold the nested mapping starts.
    expect(syntax).toMatchObject({ ok: false, error: { file: FILE, line: 2, column: 7 } });
    const duplicate = parseAppManifest("name: A\nteam: t\nname: B\nchart: worker\n", FILE);
    expect(duplicate).toMatchObject({ ok: false, error: { line: 3, column: 1 } });
    if (!duplicate.ok) expect(duplicate.error.message).toMatch(/unique/i);
  });

  it("refuses an empty file and a file that is not a mapping", () => {
    expect(parseAppManifest("", FILE)).toMatchObject({ ok: false, error: { line: 1, column: 1 } });
    expect(parseAppManifest("- a\n- b\n", FILE)).toMatchObject({
      ok: false,
      error: { line: 1, column: 1, message: "must be a mapping (key: value), found a list" },
    });
  });
});
