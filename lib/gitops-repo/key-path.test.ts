import { describe, expect, it } from "vitest";
import { formatKeyPath, parseKeyPath } from "@/lib/gitops-repo/key-path";

describe("parseKeyPath", () => {
  it("reads keys, indexes and list selectors", () => {
    expect(parseKeyPath("spec.template.spec.containers[0].image")).toEqual({
      ok: true,
      segments: [
        { kind: "key", key: "spec" },
        { kind: "key", key: "template" },
        { kind: "key", key: "spec" },
        { kind: "key", key: "containers" },
        { kind: "index", index: 0 },
        { kind: "key", key: "image" },
      ],
    });
    expect(parseKeyPath("images[name=ghcr.io/acme/api].newTag")).toEqual({
      ok: true,
      segments: [
        { kind: "key", key: "images" },
        { kind: "select", field: "name", value: "ghcr.io/acme/api" },
        { kind: "key", key: "newTag" },
      ],
    });
  });

  it("keeps dots inside a selector's value", () => {
    expect(parseKeyPath("spec.source.helm.parameters[name=image.tag].value")).toMatchObject({
      ok: true,
      segments: [
        { key: "spec" },
        { key: "source" },
        { key: "helm" },
        { key: "parameters" },
        { kind: "select", field: "name", value: "image.tag" },
        { key: "value" },
      ],
    });
  });

  it("reads quoted keys holding dots, after a dot or in brackets", () => {
    const expected = {
      ok: true,
      segments: [
        { kind: "key", key: "metadata" },
        { kind: "key", key: "annotations" },
        { kind: "key", key: "gantry.io/version" },
      ],
    };
    expect(parseKeyPath('metadata.annotations."gantry.io/version"')).toEqual(expected);
    expect(parseKeyPath('metadata.annotations["gantry.io/version"]')).toEqual(expected);
    expect(parseKeyPath('a."say \\"hi\\""')).toMatchObject({
      segments: [{ key: "a" }, { key: 'say "hi"' }],
    });
  });

  it("names the character where a path goes wrong", () => {
    for (const [path, where] of [
      ["image..tag", 7],
      ["image.", 6],
      [".image", 1],
      ["images[name=x", 7],
      ["images[]", 7],
      ['a."b', 3],
      ["a[0]b", 5],
    ] as const) {
      const parsed = parseKeyPath(path);
      expect(parsed.ok, path).toBe(false);
      if (!parsed.ok) expect(parsed.message, path).toContain(`at character ${where}:`);
    }
    expect(parseKeyPath("")).toEqual({ ok: false, message: "the key path is empty" });
  });

  it("formats back to a path that parses to the same segments", () => {
    for (const path of [
      "image.tag",
      "containers[0].image",
      "images[name=ghcr.io/acme/api].newTag",
      'metadata.annotations."gantry.io/version"',
      'list[name="a]b"].v',
    ]) {
      const parsed = parseKeyPath(path);
      if (!parsed.ok) throw new Error(parsed.message);
      expect(formatKeyPath(parsed.segments)).toBe(path);
    }
  });
});
