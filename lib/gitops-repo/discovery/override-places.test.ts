import { describe, expect, it } from "vitest";
import { parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import { discoverApplications } from "./discover";

const ENVIRONMENTS = [
  { name: "dev", aliases: [] },
  { name: "prod", aliases: ["production"] },
];

async function overrides(layoutText: string, files: Record<string, string>) {
  const layout = parseLayoutFile(layoutText, "gantry.yaml");
  if (!layout.ok) throw new Error(layout.error.message);
  const { applications } = await discoverApplications({
    layout: layout.value,
    environments: ENVIRONMENTS,
    paths: Object.keys(files),
    read: async (paths) =>
      new Map(paths.flatMap((p) => (files[p] === undefined ? [] : [[p, files[p] as string]]))),
  });
  return applications.flatMap((app) =>
    app.targets.map((t) => [app.slug, t.environment, t.locators[0]?.file, t.override ?? null]),
  );
}

const application = (name: string, valueFiles: string[]) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
spec:
  source:
    repoURL: https://git.example.com/gitops.git
    path: charts/api
    helm:
      valueFiles:
${valueFiles.map((f) => `        - ${f}\n`).join("")}`;

describe("where an environment's own version would go", () => {
  it("argocd: the last values file only its Application lists, after the shared file that decides", async () => {
    const found = await overrides('discovery:\n  - kind: argocd\n    name: "{app}-{env}"\n', {
      "argocd/api-dev.yaml": application("api-dev", ["values.yaml", "values-dev.yaml"]),
      // Its own file comes first: the shared file after it still decides.
      "argocd/api-prod.yaml": application("api-prod", ["values-prod.yaml", "values.yaml"]),
      "charts/api/values.yaml": "image:\n  tag: 1.0.0\n",
      "charts/api/values-dev.yaml": "replicaCount: 1\n",
      "charts/api/values-prod.yaml": "replicaCount: 3\n",
    });
    expect(found).toEqual([
      [
        "api",
        "dev",
        "charts/api/values.yaml",
        { kind: "file", file: "charts/api/values-dev.yaml" },
      ],
      [
        "api",
        "prod",
        "charts/api/values.yaml",
        {
          kind: "none",
          reason:
            "Application api-prod lists no values file of its own after charts/api/values.yaml (charts/api/values-prod.yaml, charts/api/values.yaml: each is listed by other Applications too, or comes before it); add one for prod (values-prod.yaml, say), last in its helm.valueFiles",
        },
      ],
    ]);
  });

  it("flux: the overlay's patch of the release, else a new patch listed in the overlay", async () => {
    const release = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cart
  namespace: shop
spec:
  values:
    image:
      tag: 1.0.0
`;
    const found = await overrides(
      'discovery:\n  - kind: flux\n    template: "apps/{env}/kustomization.yaml"\n    version: spec.values.image.tag\n',
      {
        "apps/base/cart/release.yaml": release,
        "apps/dev/kustomization.yaml": "resources:\n  - ../base/cart/release.yaml\n",
        "apps/production/kustomization.yaml":
          "resources:\n  - ../base/cart/release.yaml\npatches:\n  - path: cart-size.yaml\n",
        "apps/production/cart-size.yaml":
          "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: cart\nspec:\n  values:\n    replicaCount: 2\n",
      },
    );
    expect(found).toEqual([
      [
        "cart",
        "dev",
        "apps/base/cart/release.yaml",
        {
          kind: "new-patch",
          file: "apps/dev/cart-version.yaml",
          patch: {
            kustomization: "apps/dev/kustomization.yaml",
            apiVersion: "helm.toolkit.fluxcd.io/v2",
            kind: "HelmRelease",
            name: "cart",
            namespace: "shop",
          },
        },
      ],
      [
        "cart",
        "prod",
        "apps/base/cart/release.yaml",
        { kind: "file", file: "apps/production/cart-size.yaml" },
      ],
    ]);
  });
});
