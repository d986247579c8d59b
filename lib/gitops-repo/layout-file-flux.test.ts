import { describe, expect, it } from "vitest";
import { parseLayoutFile } from "./layout-file";

const parse = (rule: string) =>
  parseLayoutFile(`discovery:\n  - kind: flux\n${rule}`, "gantry.yaml");

describe("gantry.yaml: the flux rule's Kustomization objects", () => {
  it("reads kustomizations with the environment from the file path or from the object's name", () => {
    const byPath = parse(
      '    kustomizations: "clusters/{env}/{*}.yaml"\n    kustomizationName: apps\n',
    );
    expect(byPath.ok && byPath.value.discovery[0]).toEqual({
      kind: "flux",
      kustomizations: "clusters/{env}/{*}.yaml",
      kustomizationName: "apps",
      version: "spec.values.image.tag",
    });
    const byName = parse(
      '    kustomizations: "clusters/apps.yaml"\n    kustomizationName: "apps-{env}"\n',
    );
    expect(byName.ok).toBe(true);
  });

  it("keeps the overlay default when neither template nor kustomizations is given", () => {
    const result = parse("");
    expect(result.ok && result.value.discovery[0]).toEqual({
      kind: "flux",
      version: "spec.values.image.tag",
    });
  });

  it("refuses kustomizations where neither the path nor the name says the environment, at its line", () => {
    const result = parse('    kustomizations: "clusters/prod/apps.yaml"\n');
    expect(result.ok || result.error).toEqual({
      file: "gantry.yaml",
      line: 3,
      column: 21,
      message:
        "discovery[0].kustomizations: must contain the placeholder {env}, or kustomizationName must (apps-{env}): the environment comes from the object's file or its name",
    });
  });

  it("refuses both template and kustomizations, a name pattern without kustomizations, and a placeholder taken twice", () => {
    const both = parse(
      '    template: "apps/{env}/kustomization.yaml"\n    kustomizations: "clusters/{env}/apps.yaml"\n',
    );
    expect(both.ok || both.error.message).toBe(
      "discovery[0].kustomizations: say where the overlays are either by template (their path) or by kustomizations (the Flux Kustomization objects that deploy them), not both",
    );
    const nameAlone = parse('    kustomizationName: "apps-{env}"\n');
    expect(nameAlone.ok || nameAlone.error.message).toBe(
      "discovery[0].kustomizationName: names Flux Kustomization objects, so it needs kustomizations: (their files)",
    );
    const twice = parse(
      '    kustomizations: "clusters/{env}/apps.yaml"\n    kustomizationName: "apps-{env}"\n',
    );
    expect(twice.ok || twice.error.message).toBe(
      "discovery[0].kustomizationName: placeholder {env} is already taken from the file path (kustomizations); use it in one of them",
    );
  });
});
