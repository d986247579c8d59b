import { describe, expect, it } from "vitest";
import { discoverApplications } from "@/lib/gitops-repo/discovery/discover";
import { parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import { fluxOverlays, fluxRepository } from "./fixtures";

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

describe("the flux rule", () => {
  it("points every environment of an app whose overlays patch the tag at its overlay's patch, the chart version at the base", async () => {
    const { applications, problems } = await discover(fluxOverlays());
    expect(problems).toEqual([]);
    const cells = applications.flatMap((app) =>
      app.targets.map((target) => [
        app.slug,
        target.environment,
        target.locators.map((l) => l.file),
      ]),
    );
    expect(cells).toEqual([
      [
        "checkout",
        "staging",
        ["apps/staging/checkout-values.yaml", "apps/base/checkout/release.yaml"],
      ],
      [
        "checkout",
        "prod",
        ["apps/production/checkout-values.yaml", "apps/base/checkout/release.yaml"],
      ],
      ["search", "staging", ["apps/base/search/release.yaml", "apps/base/search/release.yaml"]],
      ["search", "prod", ["apps/base/search/release.yaml", "apps/base/search/release.yaml"]],
    ]);
  });

  it("points each environment at the file that decides: the overlay's patch in staging, the base in production", async () => {
    const { applications, problems } = await discover(fluxRepository());
    expect(problems).toEqual([]);
    expect(applications).toMatchObject([
      {
        slug: "cart",
        team: "payments",
        targets: [
          {
            environment: "staging",
            locators: [
              {
                kind: "yaml",
                file: "apps/staging/cart-values.yaml",
                path: "spec.values.image.tag",
              },
              {
                kind: "helm-chart-version",
                file: "apps/staging/cart-values.yaml",
                path: "spec.chart.spec.version",
              },
            ],
          },
          {
            environment: "prod",
            locators: [
              { kind: "yaml", file: "apps/base/cart/release.yaml", path: "spec.values.image.tag" },
              {
                kind: "helm-chart-version",
                file: "apps/base/cart/release.yaml",
                path: "spec.chart.spec.version",
              },
            ],
          },
        ],
      },
    ]);
  });

  it("reports valuesFrom as not editable, on the app", async () => {
    const files = fluxRepository();
    files["apps/base/cart/release.yaml"] =
      `${files["apps/base/cart/release.yaml"]}  valuesFrom:\n    - kind: ConfigMap\n      name: cart-values\n`.replace(
        "  values:\n",
        "  values:\n",
      );
    const { problems } = await discover(files);
    expect(problems.map((p) => `${p.app} ${p.file}: ${p.message}`)).toEqual([
      "cart apps/base/cart/release.yaml: HelmRelease cart takes values from a ConfigMap or Secret (valuesFrom), which Gantry does not edit; the version shown is what apps/staging/cart-values.yaml says",
      "cart apps/base/cart/release.yaml: HelmRelease cart takes values from a ConfigMap or Secret (valuesFrom), which Gantry does not edit; the version shown is what apps/base/cart/release.yaml says",
    ]);
  });
});
