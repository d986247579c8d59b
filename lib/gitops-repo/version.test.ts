import { describe, expect, it } from "vitest";
import { readCurrentVersion, readVersion, setVersion } from "@/lib/gitops-repo/version";

const VALUES = `# payments-api — prod
# Rendered by charts/web-service.

image:
  repository: registry.example.com/payments/payments-api
  # The version Gantry promotes.
  tag: 1.41.2   # bumped by promotion

  pullPolicy: IfNotPresent

replicas: 3  # HPA minimum
resources: {requests: {cpu: 250m}}
`;

/** Every line of `after` except `changedLine` (1-based) is byte-identical to `before`. */
function expectOnlyLineChanged(before: string, after: string, changedLine: number): void {
  const a = before.split("\n");
  const b = after.split("\n");
  expect(b).toHaveLength(a.length);
  a.forEach((line, index) => {
    if (index + 1 !== changedLine) expect(b[index]).toBe(line);
  });
}

describe("readVersion", () => {
  it("reads the tag at the default path with its position", () => {
    expect(readVersion(VALUES, "v.yaml")).toEqual({
      ok: true,
      value: "1.41.2",
      line: 7,
      column: 8,
    });
  });

  it("reads a nested custom path", () => {
    const text = "app:\n  chart:\n    version: '2024.11.3'\n";
    expect(readVersion(text, "v.yaml", "app.chart.version")).toMatchObject({
      ok: true,
      value: "2024.11.3",
    });
  });

  it("keeps the written text of number-like tags", () => {
    expect(readVersion("image:\n  tag: 1.10\n", "v.yaml")).toMatchObject({ value: "1.10" });
    expect(readVersion("image:\n  tag: 1234567\n", "v.yaml")).toMatchObject({ value: "1234567" });
  });

  it("reports a missing key at the mapping that lacks it", () => {
    const result = readVersion("image:\n  repository: x\n", "apps/a/envs/dev/values.yaml");
    expect(result).toEqual({
      ok: false,
      error: {
        file: "apps/a/envs/dev/values.yaml",
        line: 2,
        column: 3,
        message: 'image.tag is missing: "image" has no "tag" key',
      },
    });
  });

  it("reports a missing parent key", () => {
    const result = readVersion("replicas: 2\n", "v.yaml");
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error.message).toBe('image.tag is missing: the file has no "image" key');
  });

  it("refuses a mapping where the version should be", () => {
    const result = readVersion("image:\n  tag:\n    name: x\n", "v.yaml");
    expect(result).toMatchObject({
      ok: false,
      error: { line: 3, message: "image.tag must be a single value, found a mapping" },
    });
  });

  it("refuses an empty value", () => {
    const result = readVersion("image:\n  tag:\n", "v.yaml");
    expect(result).toMatchObject({ ok: false, error: { line: 2, message: "image.tag is empty" } });
  });

  it("refuses a parent that is not a mapping", () => {
    const result = readVersion("image: nginx:1.2\n", "v.yaml");
    expect(result).toMatchObject({
      ok: false,
      error: { line: 1, column: 8, message: "image must be a mapping to hold image.tag" },
    });
  });

  it("locates YAML syntax errors", () => {
    const result = readVersion("image:\n  tag: [1.0\nreplicas: 2\n", "v.yaml");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.file).toBe("v.yaml");
      expect(result.error.line).toBeGreaterThanOrEqual(2);
      expect(result.error.message).toMatch(/^YAML syntax: /);
    }
  });

  it("reports an empty file", () => {
    expect(readVersion("# only a comment\n", "v.yaml")).toMatchObject({
      ok: false,
      error: { line: 1, message: "the file is empty; expected image.tag" },
    });
  });
});

describe("setVersion", () => {
  it("changes only the scalar, keeping comments, blank lines and flow mappings", () => {
    const result = setVersion(VALUES, "image.tag", "1.42.0");
    expect(result).toMatchObject({ ok: true, previous: "1.41.2", changed: true });
    if (!result.ok) return;
    expect(result.text).toContain("  tag: 1.42.0   # bumped by promotion\n");
    expectOnlyLineChanged(VALUES, result.text, 7);
  });

  it("keeps double quotes", () => {
    const text = 'image:\n  tag: "1.2.3" # quoted\n  pullPolicy: Always\n';
    const result = setVersion(text, "image.tag", "1.3.0");
    expect(result).toMatchObject({
      ok: true,
      text: 'image:\n  tag: "1.3.0" # quoted\n  pullPolicy: Always\n',
    });
  });

  it("keeps single quotes", () => {
    const result = setVersion("image:\n  tag: '1.2.3'\n", "image.tag", "2024.11.3");
    expect(result).toMatchObject({ ok: true, text: "image:\n  tag: '2024.11.3'\n" });
  });

  it("quotes a plain value that YAML would otherwise read as a number", () => {
    const result = setVersion("image:\n  tag: 1.9.0\n", "image.tag", "1.10");
    expect(result).toMatchObject({ ok: true, text: 'image:\n  tag: "1.10"\n' });
    const sha = setVersion("image:\n  tag: abc1234\n", "image.tag", "1234567");
    expect(sha).toMatchObject({ ok: true, text: 'image:\n  tag: "1234567"\n' });
  });

  it("edits inside a flow mapping", () => {
    const result = setVersion("image: {repository: x, tag: 1.0.0}\n", "image.tag", "1.0.1");
    expect(result).toMatchObject({ ok: true, text: "image: {repository: x, tag: 1.0.1}\n" });
  });

  it("keeps an anchor no alias uses, and Windows line endings", () => {
    const text = "image:\r\n  tag: &v 1.0.0 # x\r\nother: 2\r\n";
    const result = setVersion(text, "image.tag", "1.1.0");
    expect(result).toMatchObject({
      ok: true,
      text: "image:\r\n  tag: &v 1.1.0 # x\r\nother: 2\r\n",
    });
  });

  it("refuses a value whose anchor another key uses, naming the anchor and its line", () => {
    const text = "image:\r\n  tag: &v 1.0.0 # x\r\nother: *v\r\n";
    const result = setVersion(text, "image.tag", "1.1.0");
    expect(result).toMatchObject({
      ok: false,
      error: { line: 2, message: expect.stringContaining("the anchor &v (line 2)") },
    });
  });

  it("returns the text unchanged when the version is already set", () => {
    const result = setVersion(VALUES, "image.tag", "1.41.2");
    expect(result).toEqual({ ok: true, text: VALUES, previous: "1.41.2", changed: false });
  });

  it("fails clearly on a missing key and does not add one", () => {
    const result = setVersion(
      "image:\n  repository: x\n",
      "image.tag",
      "1.0.0",
      "apps/a/envs/prod/values.yaml",
    );
    expect(result).toEqual({
      ok: false,
      error: {
        file: "apps/a/envs/prod/values.yaml",
        line: 2,
        column: 3,
        message: 'image.tag is missing: "image" has no "tag" key',
      },
    });
  });

  it("refuses versions that are not single tokens", () => {
    for (const bad of ["", "1.0 # x", "1.0\nfoo: bar", '"1.0"', "-1"]) {
      const result = setVersion(VALUES, "image.tag", bad);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/not a valid version/);
    }
  });

  it("refuses an alias as the version", () => {
    const result = setVersion("x: &v 1.0.0\nimage:\n  tag: *v\n", "image.tag", "1.1.0");
    expect(result).toMatchObject({ ok: false, error: { line: 3 } });
  });

  it("writes into a block scalar keeping its header and indentation", () => {
    const result = setVersion("image:\n  tag: |-\n    1.0.0\n", "image.tag", "1.1.0");
    expect(result).toMatchObject({ ok: true, text: "image:\n  tag: |-\n    1.1.0\n" });
  });

  it("writes over an empty tag, which charts use for their appVersion", () => {
    for (const [before, after] of [
      ['image:\n  tag: ""\n', 'image:\n  tag: "1.2.0"\n'],
      ["image:\n  tag: ~ # chart default\n", "image:\n  tag: 1.2.0 # chart default\n"],
      ["image:\n  tag: null\n", "image:\n  tag: 1.2.0\n"],
      ["image:\n  tag:\n  pullPolicy: Always\n", "image:\n  tag: 1.2.0\n  pullPolicy: Always\n"],
    ] as const) {
      expect(setVersion(before, "image.tag", "1.2.0"), before).toEqual({
        ok: true,
        text: after,
        previous: null,
        changed: true,
      });
    }
  });
});

describe("readCurrentVersion", () => {
  it("reads an empty tag as null where readVersion refuses it", () => {
    const text = 'image:\n  repository: x\n  tag: ""\n';
    expect(readCurrentVersion(text, "v.yaml")).toEqual({
      ok: true,
      value: null,
      line: 3,
      column: 8,
    });
    expect(readVersion(text, "v.yaml")).toMatchObject({
      ok: false,
      error: { message: "image.tag is empty" },
    });
  });

  it("still refuses a missing key", () => {
    expect(readCurrentVersion("image:\n  repository: x\n", "v.yaml")).toMatchObject({
      ok: false,
      error: { message: 'image.tag is missing: "image" has no "tag" key' },
    });
  });
});
