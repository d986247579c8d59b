import { describe, expect, it } from "vitest";
import { addPatchEntry, newPatchText, storedOverridePlace } from "./override";

const FILE = "apps/production/kustomization.yaml";
const PATCH = "apps/production/shop-version.yaml";

describe("addPatchEntry", () => {
  it("appends to a block patches list at its own indentation", () => {
    const text =
      "kind: Kustomization\nresources:\n- ../base/shop\npatches:\n- path: a.yaml\n  target:\n    kind: HelmRelease\n# trailing note\n";
    const added = addPatchEntry(text, FILE, PATCH);
    expect(added).toEqual({
      ok: true,
      changed: true,
      text: "kind: Kustomization\nresources:\n- ../base/shop\npatches:\n- path: a.yaml\n  target:\n    kind: HelmRelease\n- path: shop-version.yaml\n# trailing note\n",
    });
  });

  it("adds the list when there is none, indented as the file's other lists, keeping CRLF", () => {
    const text = "kind: Kustomization\r\nresources:\r\n    - ../base/shop\r\n";
    expect(addPatchEntry(text, FILE, PATCH)).toEqual({
      ok: true,
      changed: true,
      text: `${text}patches:\r\n    - path: shop-version.yaml\r\n`,
    });
  });

  it("changes nothing when the patch is listed already", () => {
    const text = "resources:\n  - ../base/shop\npatches:\n  - path: shop-version.yaml\n";
    expect(addPatchEntry(text, FILE, PATCH)).toEqual({ ok: true, changed: false, text });
  });

  it("refuses a flow list, naming what to add by hand", () => {
    const added = addPatchEntry("patches: [{ path: a.yaml }]\n", FILE, PATCH);
    expect(added.ok).toBe(false);
    if (!added.ok) {
      expect(added.error.message).toBe(
        'its patches: is not a block list; add "- path: shop-version.yaml" to it by hand',
      );
    }
  });
});

describe("override places", () => {
  it("start a new patch with the HelmRelease's identity only", () => {
    expect(
      newPatchText({
        kustomization: FILE,
        apiVersion: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        name: "shop",
        namespace: null,
      }),
    ).toBe(
      "# shop's version in this environment, set here rather than in the shared base\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: shop\n",
    );
  });

  it("read back from storage only when well formed", () => {
    expect(storedOverridePlace({ kind: "file", file: "values-prod.yaml" })).toEqual({
      kind: "file",
      file: "values-prod.yaml",
    });
    expect(storedOverridePlace(null)).toBeNull();
    expect(storedOverridePlace({ kind: "file" })).toBeNull();
  });
});
