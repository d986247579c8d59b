import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { layoutJsonSchema, parseLayoutFile } from "./layout-file";

const parse = (text: string) => parseLayoutFile(text, "gantry.yaml");

describe("gantry.yaml", () => {
  it("reads a paths rule with defaults filled in", () => {
    const result = parse(`discovery:
  - kind: paths
    template: "{env}/{team}/{app}/values.yaml"
    version: image.tag
metadata:
  team: { from: path, placeholder: team }
`);
    expect(result).toEqual({
      ok: true,
      value: {
        environmentsFile: "environments.yaml",
        discovery: [
          {
            kind: "paths",
            template: "{env}/{team}/{app}/values.yaml",
            version: "image.tag",
            as: "yaml",
            alsoMoves: [],
          },
        ],
        metadata: { team: { from: "path", placeholder: "team" } },
        pinRanges: false,
        writeOverrides: false,
        apps: {},
      },
    });
  });

  it("names the line and column of an unknown placeholder and the ones it may use", () => {
    const result = parse(`discovery:
  - kind: paths
    template: "{env}/{service}/values.yaml"
    version: image.tag
`);
    expect(result).toEqual({
      ok: false,
      error: {
        file: "gantry.yaml",
        line: 3,
        column: 15,
        message:
          "discovery[0].template: unknown placeholder {service}; a template may use {app}, {env}, {team}, {*}",
      },
    });
  });

  it("says which rule kinds exist when the kind is unknown", () => {
    const result = parse("discovery:\n  - kind: helmfile\n");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ line: 2, column: 11 });
    expect(result.error.message).toBe(
      "discovery[0].kind: must have a kind: convention, paths, kustomize, argocd or flux",
    );
  });

  it("refuses a template without {env}, a path outside the repository and an unknown key", () => {
    const noEnv = parse(
      "discovery:\n  - kind: paths\n    template: apps/{app}.yaml\n    version: tag\n",
    );
    expect(noEnv.ok || noEnv.error.message).toBe(
      "discovery[0].template: must contain the placeholder {env}",
    );
    const outside = parse(
      "discovery:\n  - kind: paths\n    template: ../{env}/{app}.yaml\n    version: tag\n",
    );
    expect(outside.ok || outside.error.message).toContain("must be a path inside the repository");
    const unknown = parse("discovery:\n  - kind: convention\ndiscover: []\n");
    expect(unknown.ok || unknown.error).toMatchObject({
      line: 1,
      column: 1,
      message: 'unknown key "discover"',
    });
  });

  it("checks an inline environment list like environments.yaml, with aliases", () => {
    const text = `environments:
  - name: dev
    displayName: Development
    aliases: [development]
    clusters: [{ name: dev-1 }]
  - name: dev
    displayName: Again
    clusters: [{ name: dev-2 }]
discovery:
  - kind: convention
`;
    const result = parse(text);
    expect(result.ok || result.error).toMatchObject({
      line: 6,
      column: 11,
      message: 'environments[1].name: environment "dev" is listed twice',
    });
  });

  it("says where metadata may come from when the source is unknown", () => {
    const result = parse(
      "discovery:\n  - kind: convention\nmetadata:\n  team: { from: nowhere }\n",
    );
    expect(result.ok || result.error.message).toBe(
      "metadata.team.from: must say where the value comes from: from: value, file, path, label or annotation",
    );
  });

  it("publishes a JSON Schema in docs/ that matches the zod schema (run scripts/layout-schema.ts)", () => {
    const committed = fs.readFileSync(
      path.join(import.meta.dirname, "..", "..", "docs", "gantry.schema.json"),
      "utf8",
    );
    expect(committed).toBe(`${JSON.stringify(layoutJsonSchema(), null, 2)}\n`);
  });
});
