import { describe, expect, it } from "vitest";
import { readLocator, type VersionLocator, writeLocator } from "@/lib/gitops-repo/locator";

const application = (values: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: search-prod
spec:
  source:
    repoURL: oci://ghcr.io/acme/charts
    chart: search
    targetRevision: 7.0.0
    helm:
${values}  destination:
    namespace: search
`;

const LITERAL = `      values: |
        # tuned for production
        replicaCount: 3
        image:
          repository: ghcr.io/acme/search
          tag: "7.0.0" # pinned by Gantry

        resources: { limits: { cpu: "2" } }
`;

const at: VersionLocator = {
  kind: "embedded-yaml",
  file: "apps/search-prod.yaml",
  path: "spec.source.helm.values",
  inner: "image.tag",
};

describe("a version inside inline Helm values (helm.values: |)", () => {
  it("reads the key inside the string, at its line and column in the file", () => {
    expect(readLocator(application(LITERAL), at)).toMatchObject({
      ok: true,
      value: "7.0.0",
      line: 16,
      column: 16,
    });
  });

  it("writes only the version's bytes, in the block's indentation and the value's quotes", () => {
    const before = application(LITERAL);
    const written = writeLocator(before, at, { version: "7.1.0" });
    expect(written).toMatchObject({ ok: true, previous: "7.0.0", changed: true });
    if (!written.ok) return;
    expect(written.text).toBe(before.replace('tag: "7.0.0" # pinned', 'tag: "7.1.0" # pinned'));
  });

  it("quotes a version YAML 1.1 would read as something else, as it does outside a string", () => {
    const before = application(LITERAL.replace('tag: "7.0.0"', "tag: 7.0.0"));
    const written = writeLocator(before, at, { version: "1_2" });
    if (!written.ok) throw new Error(written.error.message);
    expect(written.text).toBe(before.replace("tag: 7.0.0 #", 'tag: "1_2" #'));
  });

  it("adds a missing key inside the block with the block's indentation when asked to", () => {
    const before = application(LITERAL.replace('          tag: "7.0.0" # pinned by Gantry\n', ""));
    expect(readLocator(before, at)).toMatchObject({ ok: true, value: null });
    const refused = writeLocator(before, at, { version: "7.1.0" });
    expect(refused.ok).toBe(false);
    const written = writeLocator(before, at, { version: "7.1.0" }, { addMissingKey: true });
    if (!written.ok) throw new Error(written.error.message);
    expect(readLocator(written.text, at)).toMatchObject({ ok: true, value: "7.1.0" });
    expect(written.text).toContain(
      "          repository: ghcr.io/acme/search\n          tag: 7.1.0\n",
    );
  });

  it("reads a folded or quoted string, and refuses to write it, saying how to write it instead", () => {
    const folded = application(`      values: "image:\\n  tag: 7.0.0\\n"\n`);
    expect(readLocator(folded, at)).toMatchObject({ ok: true, value: "7.0.0" });
    const written = writeLocator(folded, at, { version: "7.1.0" });
    expect(written).toMatchObject({
      ok: false,
      error: {
        file: "apps/search-prod.yaml",
        message: expect.stringContaining(
          "Gantry edits inline values written as a literal block (values: |)",
        ),
      },
    });
  });

  it("a broken document inside the string is located in the file", () => {
    const broken = application(LITERAL.replace("replicaCount: 3", "replicaCount: [3"));
    const read = readLocator(broken, at);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.error.message).toMatch(
      /^spec\.source\.helm\.values \(inline values\): YAML syntax/,
    );
    expect(read.error.line).toBeGreaterThanOrEqual(12);
  });
});
