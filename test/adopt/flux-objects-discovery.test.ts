import { describe, expect, it } from "vitest";
import { formatLayoutReport } from "@/lib/catalogue/check-layout";
import { discoverApplications } from "@/lib/gitops-repo/discovery/discover";
import { parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import { checkFiles } from "./check-files";
import {
  fluxEnvironmentsByName,
  fluxKustomizationObjects,
  fluxObjectPinsImage,
  kustomizeRenamedAndPinned,
} from "./more-shapes-fixtures";

async function discover(files: Record<string, string>) {
  const layout = parseLayoutFile(files["gantry.yaml"] ?? "", "gantry.yaml");
  if (!layout.ok) throw new Error(layout.error.message);
  return discoverApplications({
    layout: layout.value,
    environments: [
      { name: "staging", aliases: [] },
      { name: "prod", aliases: ["production"] },
    ],
    paths: Object.keys(files),
    read: async (paths) =>
      new Map(paths.flatMap((p) => (files[p] === undefined ? [] : [[p, files[p] as string]]))),
  });
}

const flat = (result: Awaited<ReturnType<typeof discover>>) =>
  result.applications.flatMap((app) =>
    app.targets.map((target) => ({ app: app.slug, env: target.environment, ...target })),
  );

describe("the flux rule through Flux Kustomization objects", () => {
  it("follows each cluster's apps Kustomization to its overlay: HelmReleases and kustomize images, each at the file that decides", async () => {
    const result = await discover(fluxKustomizationObjects());
    expect(result.problems).toEqual([]);
    expect(
      flat(result).map(({ app, env, locators, rule }) => ({ app, env, locators, rule })),
    ).toEqual([
      {
        app: "catalog",
        env: "staging",
        rule: "flux Kustomizations in clusters/{env}/{*}.yaml",
        locators: [
          {
            kind: "yaml",
            file: "deploy/staging/catalog-values.yaml",
            path: "spec.values.image.tag",
          },
          {
            kind: "helm-chart-version",
            file: "deploy/base/catalog/release.yaml",
            path: "spec.chart.spec.version",
          },
        ],
      },
      {
        app: "catalog",
        env: "prod",
        rule: "flux Kustomizations in clusters/{env}/{*}.yaml",
        locators: [
          { kind: "yaml", file: "deploy/base/catalog/release.yaml", path: "spec.values.image.tag" },
          {
            kind: "helm-chart-version",
            file: "deploy/base/catalog/release.yaml",
            path: "spec.chart.spec.version",
          },
        ],
      },
      {
        app: "storefront",
        env: "staging",
        rule: "flux Kustomizations in clusters/{env}/{*}.yaml",
        // The overlay's entry sets the tag: it decides.
        locators: [
          {
            kind: "kustomize-image",
            file: "deploy/staging/kustomization.yaml",
            image: "ghcr.io/acme/storefront",
          },
        ],
      },
      {
        app: "storefront",
        env: "prod",
        rule: "flux Kustomizations in clusters/{env}/{*}.yaml",
        // The overlay only renames the image: the base's tag decides; the new name is shown.
        locators: [
          {
            kind: "kustomize-image",
            file: "deploy/base/storefront/kustomization.yaml",
            image: "ghcr.io/acme/storefront",
            newName: "mirror.acme.internal/storefront",
          },
        ],
      },
    ]);
    expect(result.applications.map((app) => app.team)).toEqual(["payments", "payments"]);
  });

  it("follows every Kustomization of the files when kustomizationName does not narrow them", async () => {
    const files = fluxKustomizationObjects();
    files["gantry.yaml"] = (files["gantry.yaml"] ?? "").replace(
      "    kustomizationName: apps\n",
      "",
    );
    const result = await discover(files);
    expect(result.problems).toEqual([]);
    expect(flat(result).map(({ app, env }) => `${app} ${env}`)).toEqual([
      "catalog staging",
      "catalog prod",
      "ingress-nginx staging",
      "ingress-nginx prod",
      "storefront staging",
      "storefront prod",
    ]);
  });

  it("the environment from the Kustomization's name; a directory without kustomization.yaml is applied whole", async () => {
    const result = await discover(fluxEnvironmentsByName());
    expect(result.problems).toEqual([]);
    expect(flat(result).map(({ app, env, locators }) => ({ app, env, locators }))).toEqual(
      ["staging", "production"].map((dir) => ({
        app: "podinfo",
        env: dir === "production" ? "prod" : dir,
        locators: [
          { kind: "yaml", file: `apps/${dir}/podinfo.yaml`, path: "spec.values.image.tag" },
          {
            kind: "helm-chart-version",
            file: `apps/${dir}/podinfo.yaml`,
            path: "spec.chart.spec.version",
          },
        ],
      })),
    );
    expect(result.applications[0]?.team).toBe("payments");
  });

  it("reports a Kustomization it cannot follow, with its file and name, and keeps the others", async () => {
    const files = fluxEnvironmentsByName();
    const object = (name: string, spec: string) =>
      `---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
    files["clusters/fleet/apps.yaml"] +=
      object(
        "apps-edge",
        "  path: ./apps/edge\n  sourceRef:\n    kind: OCIRepository\n    name: edge\n",
      ) +
      object(
        "apps-qa",
        "  path: ./apps/qa\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
      ) +
      object("apps-test", "  sourceRef:\n    kind: GitRepository\n    name: flux-system\n") +
      object("apps-escape", "  path: ../elsewhere\n");
    const result = await discover(files);
    expect(result.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([
      "clusters/fleet/apps.yaml: Kustomization apps-edge: its source is a OCIRepository, not this repository's files; it is skipped",
      "clusters/fleet/apps.yaml: Kustomization apps-qa: spec.path ./apps/qa is not a directory of this repository; it is skipped",
      "clusters/fleet/apps.yaml: Kustomization apps-test: has no spec.path; Gantry follows a Kustomization only to the directory it names",
      "clusters/fleet/apps.yaml: Kustomization apps-escape: spec.path ../elsewhere is outside the repository; it is skipped",
    ]);
    expect(flat(result).map(({ app, env }) => `${app} ${env}`)).toEqual([
      "podinfo staging",
      "podinfo prod",
    ]);
  });

  it("an image the Kustomization object pins in its own spec.images is decided there", async () => {
    const result = await discover(fluxObjectPinsImage());
    expect(result.problems).toEqual([]);
    expect(flat(result).find((c) => c.app === "storefront" && c.env === "prod")?.locators).toEqual([
      {
        kind: "yaml",
        file: "clusters/production/apps.yaml",
        path: "spec.images[name=ghcr.io/acme/storefront].newTag",
      },
    ]);
  });

  it("an object's spec.images in a file of several documents is reported, not pointed past", async () => {
    const files = fluxObjectPinsImage();
    files["clusters/production/apps.yaml"] =
      `${fluxKustomizationObjects()["clusters/production/apps.yaml"]?.split("---\n")[0]}---\n${files["clusters/production/apps.yaml"]}`;
    const result = await discover(files);
    expect(result.problems.map((p) => `${p.app} ${p.file}: ${p.message}`)).toEqual([
      "storefront clusters/production/apps.yaml: clusters/production/apps.yaml holds several documents, and its Kustomization sets ghcr.io/acme/storefront in spec.images; move that Kustomization to a file of its own to promote storefront here",
    ]);
    expect(flat(result).map(({ app, env }) => `${app} ${env}`)).not.toContain("storefront prod");
  });

  it("a version set by an inline patch (overlay patches[].patch, object spec.patches) is reported, never pointed past", async () => {
    const files = fluxObjectPinsImage();
    files["deploy/staging/kustomization.yaml"] = (
      files["deploy/staging/kustomization.yaml"] ?? ""
    ).replace(
      "  - path: catalog-values.yaml\n",
      "  - path: catalog-values.yaml\n  - patch: |\n      apiVersion: helm.toolkit.fluxcd.io/v2\n      kind: HelmRelease\n      metadata:\n        name: catalog\n      spec:\n        values:\n          image:\n            tag: 3.2.0\n",
    );
    files["clusters/production/apps.yaml"] +=
      "  patches:\n    - target:\n        kind: HelmRelease\n        name: catalog\n      patch: |\n        - op: replace\n          path: /spec/values/image/tag\n          value: 3.0.1\n    - target:\n        kind: HelmRelease\n      patch: |\n        - op: replace\n          path: /spec/values/replicaCount\n          value: 3\n";
    const result = await discover(files);
    expect(result.problems.map((p) => `${p.app} ${p.file}: ${p.message}`)).toEqual([
      "catalog deploy/staging/kustomization.yaml: HelmRelease catalog's version in staging is set by an inline patch (patches[1].patch), which Gantry does not edit; move the patch to a file of its own (patches: - path: …) to promote it here",
      "catalog clusters/production/apps.yaml: HelmRelease catalog's version in production is set by an inline patch (spec.patches[0].patch), which Gantry does not edit; move the patch to a file of its own (patches: - path: …) to promote it here",
    ]);
    expect(flat(result).map(({ app, env }) => `${app} ${env}`)).toEqual([
      "storefront staging",
      "storefront prod",
    ]);
  });

  it("an inline patch that leaves the version alone changes nothing", async () => {
    const files = fluxKustomizationObjects();
    files["deploy/staging/kustomization.yaml"] = (
      files["deploy/staging/kustomization.yaml"] ?? ""
    ).replace(
      "  - path: catalog-values.yaml\n",
      "  - path: catalog-values.yaml\n  - patch: |\n      - op: replace\n        path: /spec/values/replicaCount\n        value: 1\n    target:\n      kind: HelmRelease\n",
    );
    const result = await discover(files);
    expect(result.problems).toEqual([]);
    expect(flat(result)).toHaveLength(4);
  });

  it("one Kustomization per app ({app} in its file path): the app is named by the path, the overlay's image is its version", async () => {
    const object = (env: string) =>
      `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: web\nspec:\n  path: ./apps/web/${env}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`;
    const files: Record<string, string> = {
      "gantry.yaml":
        'discovery:\n  - kind: flux\n    kustomizations: "clusters/{env}/{app}.yaml"\n',
      "clusters/staging/web.yaml": object("staging"),
      "clusters/production/web.yaml": object("production"),
      "apps/web/base/kustomization.yaml":
        "resources:\n  - deployment.yaml\nimages:\n  - name: nginx\n    newTag: 1.25.0\n  - name: ghcr.io/acme/log-shipper\n    newTag: 0.4.0\n",
      "apps/web/base/deployment.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
      "apps/web/staging/kustomization.yaml":
        "resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: 1.27.0\n",
      "apps/web/production/kustomization.yaml": "resources:\n  - ../base\n",
    };
    const result = await discover(files);
    expect(flat(result).map(({ app, env, locators }) => [app, env, locators])).toEqual([
      [
        "web",
        "staging",
        [{ kind: "kustomize-image", file: "apps/web/staging/kustomization.yaml", image: "nginx" }],
      ],
    ]);
    // Production's overlay pins nothing itself, and its base pins two images: which is web's is not guessed.
    expect(result.problems.map((p) => `${p.app} ${p.file}: ${p.message}`)).toEqual([
      "web apps/web/production/kustomization.yaml: web deploys 2 images pinned in images: (nginx, ghcr.io/acme/log-shipper), so which is its version is not known: pin web's image in the overlay's own images:, or leave {app} out of the rule so that each image is an app of its own",
    ]);
  });

  it("an image of an app deployed by HelmRelease is not a second app", async () => {
    const files = fluxKustomizationObjects();
    files["deploy/staging/kustomization.yaml"] +=
      "  - name: ghcr.io/acme/catalog\n    newTag: 9.9.9\n";
    const result = await discover(files);
    expect(result.problems).toEqual([]);
    expect(flat(result).find((c) => c.app === "catalog" && c.env === "staging")?.locators).toEqual([
      { kind: "yaml", file: "deploy/staging/catalog-values.yaml", path: "spec.values.image.tag" },
      {
        kind: "helm-chart-version",
        file: "deploy/base/catalog/release.yaml",
        path: "spec.chart.spec.version",
      },
    ]);
  });

  it("the overlay layout without kustomizations still reads apps/{env}/kustomization.yaml, and finds plain images there too", async () => {
    const files: Record<string, string> = {
      "gantry.yaml": "discovery:\n  - kind: flux\n",
      "apps/base/web/kustomization.yaml":
        "resources:\n  - deployment.yaml\nimages:\n  - name: ghcr.io/acme/web\n    newTag: 1.0.0\n    digest: sha256:" +
        "e".repeat(64) +
        "\n",
      "apps/base/web/deployment.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
      "apps/staging/kustomization.yaml":
        "resources:\n  - ../base/web\nimages:\n  - name: ghcr.io/acme/web\n    newTag: 1.1.0\n",
      "apps/production/kustomization.yaml": "resources:\n  - ../base/web\n",
    };
    const result = await discover(files);
    expect(result.problems).toEqual([]);
    expect(flat(result).map(({ env, locators, rule }) => [env, rule, locators[0]?.file])).toEqual([
      ["staging", "flux apps/{env}/kustomization.yaml", "apps/staging/kustomization.yaml"],
      ["prod", "flux apps/{env}/kustomization.yaml", "apps/base/web/kustomization.yaml"],
    ]);
  });
});

describe("the kustomize rule over bases", () => {
  const files = (prodOverlayImages: string): Record<string, string> => {
    const fixture = kustomizeRenamedAndPinned();
    return {
      ...fixture,
      "base/kustomization.yaml": `${fixture["base/kustomization.yaml"]}images:\n  - name: ghcr.io/acme/ledger\n    newTag: 1.7.0\n`,
      "overlays/prod/kustomization.yaml": `resources:\n  - ../../base\n${prodOverlayImages}`,
    };
  };

  it("an overlay entry that only renames the image leaves the version to the base's entry", async () => {
    const result = await discover(
      files("images:\n  - name: ghcr.io/acme/ledger\n    newName: registry.internal.acme/ledger\n"),
    );
    expect(result.problems).toEqual([]);
    expect(flat(result).map(({ env, locators }) => [env, locators])).toEqual([
      [
        "staging",
        [
          {
            kind: "kustomize-image",
            file: "overlays/staging/kustomization.yaml",
            image: "ghcr.io/acme/ledger",
            newName: "registry.internal.acme/ledger",
          },
        ],
      ],
      [
        "prod",
        [
          {
            kind: "kustomize-image",
            file: "base/kustomization.yaml",
            image: "ghcr.io/acme/ledger",
            newName: "registry.internal.acme/ledger",
          },
        ],
      ],
    ]);
  });

  it("an overlay without images: takes its bases' images", async () => {
    const result = await discover(files(""));
    expect(result.problems).toEqual([]);
    expect(flat(result).map(({ env, locators }) => [env, locators[0]?.file])).toEqual([
      ["staging", "overlays/staging/kustomization.yaml"],
      ["prod", "base/kustomization.yaml"],
    ]);
  });
});

describe("layout check", () => {
  it("prints the cells the Flux Kustomization objects lead to, with the rule that found them", async () => {
    const result = await checkFiles(fluxKustomizationObjects());
    if (!result.ok) throw new Error(result.error.message);
    expect(formatLayoutReport(result.report)).toBe(
      [
        "layout: gantry.yaml",
        "environments: staging, prod",
        "rules (1):",
        "  1. flux Kustomizations in clusters/{env}/{*}.yaml: 2 apps, 4 cells",
        "cells (4):",
        "  catalog staging     3.1.0  deploy/staging/catalog-values.yaml → spec.values.image.tag + deploy/base/catalog/release.yaml → spec.chart.spec.version (chart version)",
        "  catalog prod        3.0.0  deploy/base/catalog/release.yaml → spec.values.image.tag + deploy/base/catalog/release.yaml → spec.chart.spec.version (chart version)",
        "  storefront staging  5.3.0  deploy/staging/kustomization.yaml → images[name=ghcr.io/acme/storefront]",
        "  storefront prod     5.2.0  deploy/base/storefront/kustomization.yaml → images[name=ghcr.io/acme/storefront] (pulled as mirror.acme.internal/storefront)",
        "skipped (0):",
        "",
      ].join("\n"),
    );
  });
});

describe("kustomize images renamed with newName", () => {
  it("are found by name, and layout check shows the image pulled", async () => {
    const result = await checkFiles(kustomizeRenamedAndPinned());
    if (!result.ok) throw new Error(result.error.message);
    expect(formatLayoutReport(result.report)).toBe(
      [
        "layout: gantry.yaml",
        "environments: staging, prod",
        "rules (1):",
        "  1. kustomize overlays/{env}/kustomization.yaml: 1 app, 2 cells",
        "cells (2):",
        "  ledger staging  1.9.0  overlays/staging/kustomization.yaml → images[name=ghcr.io/acme/ledger] (pulled as registry.internal.acme/ledger)",
        "  ledger prod     1.8.2  overlays/prod/kustomization.yaml → images[name=ghcr.io/acme/ledger] (pulled as registry.internal.acme/ledger)",
        "skipped (0):",
        "",
      ].join("\n"),
    );
  });
});
