import { describe, expect, it } from "vitest";
import { readChartAppVersion } from "@/lib/gitops-repo/chart";
import {
  describeLocator,
  readLayeredLocators,
  readLocator,
  type VersionLocator,
  versionLocatorSchema,
  writeLocator,
} from "@/lib/gitops-repo/locator";

const OLD_DIGEST = `sha256:${"a1".repeat(32)}`;
const NEW_DIGEST = `sha256:${"b2".repeat(32)}`;

const yamlAt = (file: string, path: string): VersionLocator => ({ kind: "yaml", file, path });

/** Writes and returns the new text, failing the test with the refusal when there is one. */
function written(
  text: string,
  locator: VersionLocator,
  next: { version: string; digest?: string | null },
  options?: { pinRanges?: boolean; addMissingKey?: boolean },
): string {
  const result = writeLocator(text, locator, next, options);
  if (!result.ok)
    throw new Error(`${result.error.file}:${result.error.line}: ${result.error.message}`);
  return result.text;
}

function refusal(
  text: string,
  locator: VersionLocator,
  next: { version: string; digest?: string | null },
  options?: { pinRanges?: boolean; addMissingKey?: boolean },
) {
  const result = writeLocator(text, locator, next, options);
  if (result.ok) throw new Error(`expected a refusal, got:\n${result.text}`);
  return result.error;
}

describe("yaml locators in Helm values", () => {
  // An Argo CD app's per-environment values, saved on Windows with a BOM.
  const VALUES =
    "\uFEFF# payments-api: production\r\n" +
    "image:\r\n" +
    "    repository: ghcr.io/acme/payments-api\r\n" +
    "    tag: '1.41.2'   # promoted by Gantry\r\n" +
    "    pullPolicy: IfNotPresent\r\n" +
    "\r\n" +
    "resources: {requests: {cpu: 250m}}\r\n";

  it("reads the version with its position", () => {
    expect(readLocator(VALUES, yamlAt("values-production.yaml", "image.tag"))).toEqual({
      ok: true,
      value: "1.41.2",
      isRange: false,
      digest: null,
      line: 4,
      column: 10,
    });
  });

  it("changes only the version's bytes: BOM, CRLF, indentation, quotes and comments kept", () => {
    const result = writeLocator(VALUES, yamlAt("values-production.yaml", "image.tag"), {
      version: "1.42.0",
    });
    expect(result).toEqual({
      ok: true,
      text: VALUES.replace("'1.41.2'", "'1.42.0'"),
      previous: "1.41.2",
      changed: true,
    });
  });

  it("returns the text unchanged when the version is already written", () => {
    expect(writeLocator(VALUES, yamlAt("v.yaml", "image.tag"), { version: "1.41.2" })).toEqual({
      ok: true,
      text: VALUES,
      previous: "1.41.2",
      changed: false,
    });
  });

  it("keeps flow mappings and lists as they are", () => {
    const text = "image: {repository: ghcr.io/acme/api, tag: 1.0}\nreplicas: 2\n";
    expect(written(text, yamlAt("v.yaml", "image.tag"), { version: "1.1.0" })).toBe(
      "image: {repository: ghcr.io/acme/api, tag: 1.1.0}\nreplicas: 2\n",
    );
    const list = "images: [{name: a, newTag: 1}, {name: b, newTag: 2}]\n";
    expect(written(list, yamlAt("k.yaml", "images[name=b].newTag"), { version: "2.0.1" })).toBe(
      "images: [{name: a, newTag: 1}, {name: b, newTag: 2.0.1}]\n",
    );
  });

  it("keeps double quotes and block scalars", () => {
    expect(
      written('image:\n  tag: "1.0.0" # pinned\n', yamlAt("v.yaml", "image.tag"), {
        version: "1.0.1",
      }),
    ).toBe('image:\n  tag: "1.0.1" # pinned\n');
    expect(
      written("image:\n  tag: >-\n    1.0.0\nx: 1\n", yamlAt("v.yaml", "image.tag"), {
        version: "1.0.1",
      }),
    ).toBe("image:\n  tag: >-\n    1.0.1\nx: 1\n");
  });

  it("follows indexes: a Deployment's first container", () => {
    const deployment = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "spec:",
      "  template:",
      "    spec:",
      "      containers:",
      "        - name: api",
      "          env:",
      "            - name: VERSION",
      "              value: 1.0.0",
      "        - name: sidecar",
      "          env:",
      "            - name: VERSION",
      "              value: 9.9.9",
      "",
    ].join("\n");
    const locator = yamlAt(
      "deploy.yaml",
      "spec.template.spec.containers[1].env[name=VERSION].value",
    );
    expect(readLocator(deployment, locator)).toMatchObject({ ok: true, value: "9.9.9", line: 14 });
    expect(written(deployment, locator, { version: "10.0.0" })).toBe(
      deployment.replace("9.9.9", "10.0.0"),
    );
  });

  it("finds Argo CD Helm parameters by name, dots and all", () => {
    const app = [
      "apiVersion: argoproj.io/v1alpha1",
      "kind: Application",
      "metadata:",
      "  name: api-staging",
      "spec:",
      "  source:",
      "    repoURL: https://charts.example.com",
      "    chart: api",
      "    targetRevision: 4.2.0",
      "    helm:",
      "      parameters:",
      "        - name: image.repository",
      "          value: ghcr.io/acme/api",
      "        - name: image.tag",
      '          value: "2.3.4"',
      "",
    ].join("\n");
    const locator = yamlAt(
      "apps/api-staging.yaml",
      "spec.source.helm.parameters[name=image.tag].value",
    );
    expect(written(app, locator, { version: "2.4.0" })).toBe(app.replace('"2.3.4"', '"2.4.0"'));
  });

  it("reads keys that contain dots when quoted in the path", () => {
    const text = "metadata:\n  annotations:\n    gantry.io/version: 3.1.0\n";
    expect(
      readLocator(text, yamlAt("a.yaml", 'metadata.annotations."gantry.io/version"')),
    ).toMatchObject({ ok: true, value: "3.1.0" });
  });

  it("refuses a selector that matches nothing or more than one item", () => {
    const text = "images:\n  - name: a\n    newTag: 1.0.0\n  - name: a\n    newTag: 2.0.0\n";
    expect(readLocator(text, yamlAt("k.yaml", "images[name=b].newTag"))).toMatchObject({
      ok: false,
      error: {
        line: 2,
        message: "images[name=b].newTag is missing: images has no item with name: b",
      },
    });
    expect(readLocator(text, yamlAt("k.yaml", "images[name=a].newTag"))).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining("has 2 items with name: a") },
    });
  });

  it("refuses a bad key path with the reason", () => {
    expect(readLocator("a: 1\n", yamlAt("v.yaml", "image..tag"))).toMatchObject({
      ok: false,
      error: { file: "v.yaml", line: 1, message: expect.stringContaining("at character 7") },
    });
  });
});

describe("empty, null and missing values", () => {
  const chartDefault = (value: string) =>
    `image:\n  repository: ghcr.io/acme/api\n  # empty: the chart's appVersion\n  tag: ${value}\n  pullPolicy: Always\n`;

  it('reads "", null, ~ and nothing as null, promotable from', () => {
    for (const value of ['""', "''", "null", "~", ""]) {
      expect(readLocator(chartDefault(value), yamlAt("v.yaml", "image.tag")), value).toMatchObject({
        ok: true,
        value: null,
        isRange: false,
        line: 4,
      });
    }
  });

  it("writes over them, only the value's bytes changing", () => {
    const locator = yamlAt("v.yaml", "image.tag");
    expect(written(chartDefault('""'), locator, { version: "1.2.0" })).toBe(
      chartDefault('"1.2.0"'),
    );
    expect(written(chartDefault("''"), locator, { version: "1.2.0" })).toBe(
      chartDefault("'1.2.0'"),
    );
    expect(written(chartDefault("null"), locator, { version: "1.2.0" })).toBe(
      chartDefault("1.2.0"),
    );
    expect(written(chartDefault("~"), locator, { version: "1.2.0" })).toBe(chartDefault("1.2.0"));
    expect(written(chartDefault(""), locator, { version: "1.2.0" })).toBe(chartDefault("1.2.0"));
  });

  it("reads a missing key as null at the mapping that lacks it", () => {
    const text = "image:\n    repository: ghcr.io/acme/api\n";
    expect(readLocator(text, yamlAt("v.yaml", "image.tag"))).toEqual({
      ok: true,
      value: null,
      isRange: false,
      digest: null,
      line: 2,
      column: 5,
    });
  });

  it("refuses to add a missing key unless asked, with where it is missing", () => {
    const text = "image:\n    repository: ghcr.io/acme/api\n";
    expect(
      refusal(text, yamlAt("apps/api/values.yaml", "image.tag"), { version: "1.0.0" }),
    ).toEqual({
      file: "apps/api/values.yaml",
      line: 2,
      column: 5,
      message: 'image.tag is missing: "image" has no "tag" key',
    });
  });

  it("adds a missing key in the file's own indentation and line endings", () => {
    const text =
      "image:\r\n    repository: ghcr.io/acme/api\r\n    pullPolicy: Always\r\nreplicas: 2\r\n";
    expect(
      written(text, yamlAt("v.yaml", "image.tag"), { version: "1.0.0" }, { addMissingKey: true }),
    ).toBe(
      "image:\r\n    repository: ghcr.io/acme/api\r\n    pullPolicy: Always\r\n    tag: 1.0.0\r\nreplicas: 2\r\n",
    );
  });

  it("adds missing parent mappings too, and into flow mappings", () => {
    const text = "replicas: 2\nresources:\n   limits: {cpu: 1}\n";
    expect(
      written(text, yamlAt("v.yaml", "image.tag"), { version: "1.0.0" }, { addMissingKey: true }),
    ).toBe("replicas: 2\nresources:\n   limits: {cpu: 1}\nimage:\n   tag: 1.0.0\n");
    expect(
      written(
        "image: {repository: x}",
        yamlAt("v.yaml", "image.tag"),
        { version: "on" },
        {
          addMissingKey: true,
        },
      ),
    ).toBe('image: {repository: x, tag: "on"}');
  });
});

describe("values YAML 1.1 readers would not take as text", () => {
  const locator = yamlAt("v.yaml", "image.tag");

  it("quotes a new plain value that Helm or Argo CD would read as bool, number, time or null", () => {
    for (const version of [
      "on",
      "yes",
      "no",
      "y",
      "n",
      "off",
      "1_2",
      "1:20",
      "0x1f",
      "1e3",
      "010",
      "1.10",
      "2024-01-02",
    ]) {
      expect(written("image:\n  tag: 1.0.0\n", locator, { version }), version).toBe(
        `image:\n  tag: "${version}"\n`,
      );
    }
  });

  it("uses the file's own quote style", () => {
    const text = "image:\n  repository: 'ghcr.io/acme/api'\n  tag: 1.0.0\n";
    expect(written(text, locator, { version: "yes" })).toBe(
      "image:\n  repository: 'ghcr.io/acme/api'\n  tag: 'yes'\n",
    );
  });

  it("refuses what is not a version at all", () => {
    for (const version of ["~", ".5", "", "1.0 # x", "a: b", "*"]) {
      expect(refusal("image:\n  tag: 1.0.0\n", locator, { version }).message, version).toMatch(
        /not a valid version/,
      );
    }
    expect(refusal("image:\n  tag: 1.0.0\n", locator, { version: "6.x" }).message).toMatch(
      /is a range; write one exact version/,
    );
    const chartVersion: VersionLocator = {
      kind: "helm-chart-version",
      file: "r.yaml",
      path: "version",
    };
    expect(refusal("version: 1.0.0\n", chartVersion, { version: "1.2" }).message).toMatch(
      /is a range; write one exact version/,
    );
  });
});

describe("files that are not UTF-8", () => {
  // What a lenient decoder makes of a Latin-1 comment: `# mis à jour` with à replaced.
  const text = "image:\n  # mis \uFFFD jour\n  tag: 1.0.0\n";

  it("refuses to read or write them, naming where", () => {
    const expected = {
      file: "v.yaml",
      line: 2,
      column: 9,
      message:
        "the file is not valid UTF-8 (it was read with bytes replaced by U+FFFD); save it as UTF-8: Gantry does not read or rewrite it",
    };
    expect(readLocator(text, yamlAt("v.yaml", "image.tag"))).toEqual({
      ok: false,
      error: expected,
    });
    expect(writeLocator(text, yamlAt("v.yaml", "image.tag"), { version: "1.1.0" })).toEqual({
      ok: false,
      error: expected,
    });
  });
});

describe("hostile files", () => {
  it("reads beside an alias bomb without expanding it, and refuses a file over 1 MiB", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    const bomb = `${levels.join("\n")}\nimage:\n  tag: 1.0.0\n`;
    expect(readLocator(bomb, yamlAt("v.yaml", "image.tag"))).toMatchObject({
      ok: true,
      value: "1.0.0",
    });
    expect(written(bomb, yamlAt("v.yaml", "image.tag"), { version: "1.1.0" })).toBe(
      bomb.replace("tag: 1.0.0", "tag: 1.1.0"),
    );
    const large = `image:\n  tag: 1.0.0\n${"# padding\n".repeat(110_000)}`;
    expect(readLocator(large, yamlAt("v.yaml", "image.tag"))).toMatchObject({
      ok: false,
      error: { line: 1, message: expect.stringMatching(/^the file is larger than 1024 KiB/) },
    });
  });
});

describe("anchors, aliases and merge keys", () => {
  const SHARED = [
    "defaults: &defaults",
    "  repository: ghcr.io/acme/api",
    "  tag: 1.0.0",
    "",
    "api:",
    "  image: *defaults",
    "worker:",
    "  image:",
    "    <<: *defaults",
    "    repository: ghcr.io/acme/worker",
    "cron:",
    "  image:",
    "    repository: ghcr.io/acme/cron",
    "    tag: &crontag 3.0.0",
    "  sidecar:",
    "    tag: *crontag",
    "",
  ].join("\n");

  it("reads through aliases and merge keys", () => {
    expect(readLocator(SHARED, yamlAt("v.yaml", "api.image.tag"))).toMatchObject({
      ok: true,
      value: "1.0.0",
    });
    expect(readLocator(SHARED, yamlAt("v.yaml", "worker.image.tag"))).toMatchObject({
      ok: true,
      value: "1.0.0",
    });
    const overridden = SHARED.replace(
      "    repository: ghcr.io/acme/worker",
      "    repository: ghcr.io/acme/worker\n    tag: 2.0.0",
    );
    expect(readLocator(overridden, yamlAt("v.yaml", "worker.image.tag"))).toMatchObject({
      ok: true,
      value: "2.0.0",
      line: 11,
    });
  });

  it("refuses a value reached through an alias, naming the anchor and its line", () => {
    expect(refusal(SHARED, yamlAt("v.yaml", "api.image.tag"), { version: "1.1.0" })).toEqual({
      file: "v.yaml",
      line: 6,
      column: 10,
      message:
        "api.image.tag is reached through the alias *defaults, so it is the anchor &defaults (line 1) that every *defaults shares: writing it would change the others too. Write the value out here instead of *defaults",
    });
  });

  it("refuses a value inside an anchor others use", () => {
    expect(refusal(SHARED, yamlAt("v.yaml", "defaults.tag"), { version: "1.1.0" }).message).toBe(
      "defaults.tag is inside the anchor &defaults (line 1), which other keys use through *defaults: writing it would change them too. Give defaults.tag a value of its own",
    );
    expect(
      refusal(SHARED, yamlAt("v.yaml", "cron.image.tag"), { version: "3.1.0" }).message,
    ).toMatch(/^cron\.image\.tag is inside the anchor &crontag \(line 14\)/);
  });

  it("refuses writing into merged content, naming where to write instead", () => {
    expect(refusal(SHARED, yamlAt("v.yaml", "worker.image.tag"), { version: "1.1.0" })).toEqual({
      file: "v.yaml",
      line: 9,
      column: 5,
      message:
        'worker.image.tag comes from the merge key << at line 9 (the anchor &defaults), shared with every mapping that merges it: write "tag:" in the mapping at line 9 to set it here',
    });
  });

  it("writes a key of the merging mapping itself", () => {
    const text = SHARED.replace(
      "    repository: ghcr.io/acme/worker",
      "    repository: ghcr.io/acme/worker\n    tag: 2.0.0",
    );
    expect(written(text, yamlAt("v.yaml", "worker.image.tag"), { version: "2.1.0" })).toBe(
      text.replace("tag: 2.0.0", "tag: 2.1.0"),
    );
  });
});

describe("ranges", () => {
  const helmRelease = (version: string) =>
    [
      "apiVersion: helm.toolkit.fluxcd.io/v2",
      "kind: HelmRelease",
      "metadata:",
      "  name: podinfo",
      "spec:",
      "  chart:",
      "    spec:",
      "      chart: podinfo",
      `      version: ${version} # from the HelmRepository`,
      "      sourceRef:",
      "        kind: HelmRepository",
      "        name: podinfo",
      "",
    ].join("\n");
  const locator: VersionLocator = {
    kind: "helm-chart-version",
    file: "apps/base/podinfo/release.yaml",
    path: "spec.chart.spec.version",
  };

  it("reads ranges as ranges", () => {
    for (const [range, value] of [
      ['">=1.0.0 <2.0.0"', ">=1.0.0 <2.0.0"],
      ["6.x", "6.x"],
      ['"*"', "*"],
      ['"~1.2"', "~1.2"],
      ['"^1.2.0"', "^1.2.0"],
      ["6.2", "6.2"],
    ] as const) {
      expect(readLocator(helmRelease(range), locator), range).toMatchObject({
        ok: true,
        value,
        isRange: true,
        line: 9,
      });
    }
    expect(readLocator(helmRelease("6.2.1"), locator)).toMatchObject({
      value: "6.2.1",
      isRange: false,
    });
  });

  it("refuses to write over a range unless pinRanges is set, naming the file and the setting", () => {
    expect(refusal(helmRelease('">=1.0.0 <2.0.0"'), locator, { version: "1.4.0" })).toEqual({
      file: "apps/base/podinfo/release.yaml",
      line: 9,
      column: 16,
      message:
        'spec.chart.spec.version is the range ">=1.0.0 <2.0.0"; Gantry writes an exact version over a range only when the layout file (gantry.yaml) sets pinRanges: true',
    });
  });

  it("pins the range to an exact version with pinRanges", () => {
    expect(
      written(helmRelease('">=1.0.0 <2.0.0"'), locator, { version: "1.4.0" }, { pinRanges: true }),
    ).toBe(helmRelease('"1.4.0"'));
    expect(written(helmRelease("6.x"), locator, { version: "6.5.3" }, { pinRanges: true })).toBe(
      helmRelease("6.5.3"),
    );
  });
});

describe("tags pinned with a digest", () => {
  const VALUES = `image:\n  repository: ghcr.io/acme/api\n  tag: "1.4.2"\n  digest: ${OLD_DIGEST}\n`;
  const locator = yamlAt("v.yaml", "image.tag");

  it("reads the digest beside the tag", () => {
    expect(readLocator(VALUES, locator)).toMatchObject({
      ok: true,
      value: "1.4.2",
      digest: OLD_DIGEST,
    });
  });

  it("writes tag and digest as a pair", () => {
    expect(written(VALUES, locator, { version: "1.5.0", digest: NEW_DIGEST })).toBe(
      `image:\n  repository: ghcr.io/acme/api\n  tag: "1.5.0"\n  digest: ${NEW_DIGEST}\n`,
    );
  });

  it("refuses a new tag whose digest is unknown: the old digest would keep the old image", () => {
    const error = refusal(VALUES, locator, { version: "1.5.0" });
    expect(error).toMatchObject({ file: "v.yaml", line: 3 });
    expect(error.message).toBe(
      "image.tag is pinned to the digest sha256:a1a1a1a1a1a1…, and the digest of 1.5.0 is unknown: writing the tag alone would keep running the old image. Register the release with its digest, or remove the digest from v.yaml",
    );
  });

  it("leaves a pinned tag alone when it is already the version", () => {
    expect(writeLocator(VALUES, locator, { version: "1.4.2" })).toEqual({
      ok: true,
      text: VALUES,
      previous: "1.4.2",
      changed: false,
    });
    expect(written(VALUES, locator, { version: "1.4.2", digest: NEW_DIGEST })).toBe(
      VALUES.replace(OLD_DIGEST, NEW_DIGEST),
    );
  });

  it("does not add a digest to a tag that has none", () => {
    const text = "image:\n  tag: 1.4.2\n";
    expect(written(text, locator, { version: "1.5.0", digest: NEW_DIGEST })).toBe(
      "image:\n  tag: 1.5.0\n",
    );
  });
});

describe("image-reference locators", () => {
  const deployment = (image: string) =>
    [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "spec:",
      "  template:",
      "    spec:",
      "      containers:",
      "        - name: api",
      `          image: ${image}`,
      "",
    ].join("\n");
  const locator: VersionLocator = {
    kind: "image-reference",
    file: "k8s/deploy.yaml",
    path: "spec.template.spec.containers[0].image",
  };

  it("reads the tag and digest of a reference with a registry port", () => {
    expect(readLocator(deployment(`registry:5000/team/api:1.4.2@${OLD_DIGEST}`), locator)).toEqual({
      ok: true,
      value: "1.4.2",
      isRange: false,
      digest: OLD_DIGEST,
      line: 8,
      column: 18,
    });
    expect(readLocator(deployment("registry:5000/team/api"), locator)).toMatchObject({
      ok: true,
      value: null,
      digest: null,
    });
  });

  it("changes the tag only, the port and name untouched", () => {
    expect(written(deployment("registry:5000/team/api:1.4.2"), locator, { version: "1.5.0" })).toBe(
      deployment("registry:5000/team/api:1.5.0"),
    );
    expect(written(deployment('"registry:5000/team/api"'), locator, { version: "1.5.0" })).toBe(
      deployment('"registry:5000/team/api:1.5.0"'),
    );
  });

  it("updates tag and digest as a pair, and refuses when the new digest is unknown", () => {
    const pinned = deployment(`registry:5000/team/api:1.4.2@${OLD_DIGEST}`);
    expect(written(pinned, locator, { version: "1.5.0", digest: NEW_DIGEST })).toBe(
      deployment(`registry:5000/team/api:1.5.0@${NEW_DIGEST}`),
    );
    expect(refusal(pinned, locator, { version: "1.5.0", digest: null }).message).toMatch(
      /^the tag of spec\.template\.spec\.containers\[0\]\.image is pinned to the digest sha256:a1a1/,
    );
  });

  it("refuses a tag registries do not accept", () => {
    expect(refusal(deployment("api:1.0.0"), locator, { version: "1.0.0+build" }).message).toMatch(
      /not a valid image tag/,
    );
  });
});

describe("kustomize-image locators", () => {
  const KUSTOMIZATION = [
    "apiVersion: kustomize.config.k8s.io/v1beta1",
    "kind: Kustomization",
    "resources:",
    "  - ../../base",
    "images:",
    "  - name: ghcr.io/acme/api",
    "    newName: registry.internal/acme/api # mirrored",
    "    newTag: 1.4.2",
    `    digest: ${OLD_DIGEST}`,
    "  - name: ghcr.io/acme/worker",
    "    newTag: '2.0.0'",
    "",
  ].join("\n");
  const api: VersionLocator = {
    kind: "kustomize-image",
    file: "overlays/prod/kustomization.yaml",
    image: "ghcr.io/acme/api",
  };
  const worker: VersionLocator = { ...api, image: "ghcr.io/acme/worker" };

  it("reads newTag and digest of the named image", () => {
    expect(readLocator(KUSTOMIZATION, api)).toEqual({
      ok: true,
      value: "1.4.2",
      isRange: false,
      digest: OLD_DIGEST,
      line: 8,
      column: 13,
    });
    expect(readLocator(KUSTOMIZATION, worker)).toMatchObject({ value: "2.0.0", digest: null });
  });

  it("writes newTag and digest as a pair, newName untouched", () => {
    expect(written(KUSTOMIZATION, api, { version: "1.5.0", digest: NEW_DIGEST })).toBe(
      KUSTOMIZATION.replace("newTag: 1.4.2", "newTag: 1.5.0").replace(OLD_DIGEST, NEW_DIGEST),
    );
    expect(written(KUSTOMIZATION, worker, { version: "yes" })).toBe(
      KUSTOMIZATION.replace("'2.0.0'", "'yes'"),
    );
  });

  it("refuses a new tag without its digest", () => {
    expect(refusal(KUSTOMIZATION, api, { version: "1.5.0" }).message).toMatch(
      /^images\[name=ghcr\.io\/acme\/api\]\.newTag is pinned to the digest/,
    );
  });

  it("adds newTag beside a digest only with addMissingKey", () => {
    const digestOnly = `images:\n- name: ghcr.io/acme/api\n  digest: ${OLD_DIGEST}\n- name: b\n  newTag: 1.0.0\n`;
    expect(readLocator(digestOnly, api)).toMatchObject({
      ok: true,
      value: null,
      digest: OLD_DIGEST,
    });
    expect(refusal(digestOnly, api, { version: "2.0.0", digest: NEW_DIGEST }).message).toBe(
      'images[name=ghcr.io/acme/api].newTag is missing: "images[name=ghcr.io/acme/api]" has no "newTag" key',
    );
    expect(
      written(digestOnly, api, { version: "2.0.0", digest: NEW_DIGEST }, { addMissingKey: true }),
    ).toBe(
      `images:\n- name: ghcr.io/acme/api\n  digest: ${NEW_DIGEST}\n  newTag: 2.0.0\n- name: b\n  newTag: 1.0.0\n`,
    );
  });

  it("describes where the version is", () => {
    expect(describeLocator(api)).toBe(
      "overlays/prod/kustomization.yaml → images[name=ghcr.io/acme/api]",
    );
    expect(describeLocator(yamlAt("apps/api/values.yaml", "image.tag"))).toBe(
      "apps/api/values.yaml → image.tag",
    );
  });
});

describe("files of several YAML documents", () => {
  // A Flux file with the chart's source and two releases of it.
  const RELEASES = [
    "apiVersion: source.toolkit.fluxcd.io/v1",
    "kind: HelmRepository",
    "metadata:",
    "  name: podinfo",
    "spec:",
    "  url: https://stefanprodan.github.io/podinfo",
    "---",
    "apiVersion: helm.toolkit.fluxcd.io/v2",
    "kind: HelmRelease",
    "metadata:",
    "  name: podinfo",
    "spec:",
    "  chart:",
    "    spec:",
    "      chart: podinfo",
    "      version: 6.5.0",
    "---",
    "apiVersion: helm.toolkit.fluxcd.io/v2",
    "kind: HelmRelease",
    "metadata:",
    "  name: podinfo-canary",
    "spec:",
    "  chart:",
    "    spec:",
    "      chart: podinfo",
    "      version: 6.6.0",
    "",
  ].join("\n");
  const chart = (path: string): VersionLocator => ({
    kind: "helm-chart-version",
    file: "apps/podinfo.yaml",
    path,
  });

  it("picks the document by a selector or an index, and writes only there", () => {
    const byName = chart("[metadata.name=podinfo-canary].spec.chart.spec.version");
    expect(readLocator(RELEASES, byName)).toMatchObject({ ok: true, value: "6.6.0", line: 26 });
    expect(written(RELEASES, byName, { version: "6.7.0" })).toBe(
      RELEASES.replace("version: 6.6.0", "version: 6.7.0"),
    );
    expect(readLocator(RELEASES, chart("[1].spec.chart.spec.version"))).toMatchObject({
      value: "6.5.0",
      line: 16,
    });
  });

  it("finds a path without a selector when one document has it, and refuses when several do", () => {
    const single = RELEASES.split("---\n").slice(0, 2).join("---\n");
    expect(readLocator(single, chart("spec.chart.spec.version"))).toMatchObject({
      ok: true,
      value: "6.5.0",
    });
    expect(readLocator(RELEASES, chart("spec.chart.spec.version"))).toMatchObject({
      ok: false,
      error: {
        message:
          "spec.chart.spec.version is in 2 of the file's 3 documents; start the path with the document, as [1].spec.chart.spec.version or [kind=…].spec.chart.spec.version",
      },
    });
    expect(
      readLocator(RELEASES, chart("[kind=HelmRelease].spec.chart.spec.version")),
    ).toMatchObject({
      ok: false,
      error: {
        message: expect.stringContaining("2 of the file's 3 documents have kind: HelmRelease"),
      },
    });
  });
});

describe("layered value files", () => {
  const layer = (file: string, text: string) => ({ locator: yamlAt(file, "image.tag"), text });
  const BASE = "image:\n  repository: ghcr.io/acme/api\n  tag: 1.0.0\n";

  it("the last file that sets the key decides, even set empty", () => {
    expect(
      readLayeredLocators([
        layer("values.yaml", BASE),
        layer("values-production.yaml", "image:\n  tag: 1.2.0\nreplicas: 3\n"),
        layer("values-production-eu.yaml", "replicas: 4\n"),
      ]),
    ).toEqual({
      ok: true,
      decidedBy: 1,
      read: { ok: true, value: "1.2.0", isRange: false, digest: null, line: 2, column: 8 },
    });
    expect(
      readLayeredLocators([
        layer("values.yaml", BASE),
        layer("values-production.yaml", 'image:\n  tag: ""\n'),
      ]),
    ).toMatchObject({ ok: true, decidedBy: 1, read: { value: null } });
  });

  it("falls back to the first file, and to the last one when none sets it", () => {
    expect(
      readLayeredLocators([
        layer("values.yaml", BASE),
        layer("values-production.yaml", "replicas: 3\n"),
      ]),
    ).toMatchObject({ ok: true, decidedBy: 0, read: { value: "1.0.0" } });
    expect(
      readLayeredLocators([
        layer("values.yaml", "replicas: 1\n"),
        layer("values-production.yaml", "replicas: 3\n"),
      ]),
    ).toMatchObject({ ok: true, decidedBy: 1, read: { value: null, line: 1 } });
  });

  it("refuses when one of the files cannot be read", () => {
    expect(
      readLayeredLocators([
        layer("values.yaml", "image: [1\n"),
        layer("values-production.yaml", BASE),
      ]),
    ).toMatchObject({ ok: false, error: { file: "values.yaml" } });
  });
});

describe("versionLocatorSchema", () => {
  it("accepts locators and refuses unbounded or broken ones with the reason", () => {
    expect(
      versionLocatorSchema.safeParse({ kind: "yaml", file: "a/values.yaml", path: "image.tag" })
        .success,
    ).toBe(true);
    expect(
      versionLocatorSchema.safeParse({ kind: "kustomize-image", file: "k.yaml", image: "nginx" })
        .success,
    ).toBe(true);
    for (const bad of [
      { kind: "yaml", file: "a.yaml", path: "image..tag" },
      { kind: "yaml", file: "../a.yaml", path: "image.tag" },
      { kind: "yaml", file: "a.yaml", path: "x".repeat(1001) },
      { kind: "helm-chart-version", file: "a.yaml" },
      { kind: "kustomize-image", file: "k.yaml", image: "" },
      { kind: "toml", file: "a.toml", path: "x" },
    ]) {
      expect(versionLocatorSchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 80)).toBe(
        false,
      );
    }
  });
});

describe("readChartAppVersion", () => {
  it("reads appVersion as written, or null when the chart has none", () => {
    const chart = "apiVersion: v2\nname: api\nversion: 0.4.0\nappVersion: 1.10\n";
    expect(readChartAppVersion(chart, "charts/api/Chart.yaml")).toEqual({
      ok: true,
      value: "1.10",
      line: 4,
      column: 13,
    });
    expect(readChartAppVersion("apiVersion: v2\nname: api\n", "Chart.yaml")).toMatchObject({
      ok: true,
      value: null,
    });
  });
});
