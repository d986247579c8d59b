/**
 * More repositories Gantry did not lay out: Flux clusters whose
 * Kustomization objects say what each environment deploys, and Kustomize
 * images renamed and pinned to a digest. Written for these tests in the
 * shapes the public formats describe (not copied from any repository).
 */

export const OLD_DIGEST = `sha256:${"d".repeat(64)}`;

/** The gantry.yaml of the Flux repository read through its Kustomization objects; README.md shows the same text. */
export const FLUX_OBJECTS_LAYOUT = `# Flux: each cluster's Kustomization "apps" says which directory it deploys
environments:
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-eu-1 }]
  - name: prod
    displayName: Production
    aliases: [production]
    clusters: [{ name: prod-eu-1 }]
discovery:
  - kind: flux
    kustomizations: "clusters/{env}/{*}.yaml"
    kustomizationName: apps
    version: spec.values.image.tag
metadata:
  team: { from: value, value: payments }
`;

function fluxKustomization(name: string, path: string, extra = ""): string {
  return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m0s
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
${extra}`;
}

const KUSTOMIZE_API = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

/**
 * A Flux repository whose environments are what each cluster's `apps`
 * Kustomization deploys: `clusters/<env>/apps.yaml` points at
 * `deploy/<env>`, an overlay over `deploy/base/`. `catalog` is a
 * HelmRelease; `storefront` is plain manifests whose image the base's
 * kustomization pins, staging's overlay overrides, and production's overlay
 * only renames (so the base decides the tag there). The infrastructure
 * Kustomization beside `apps` is not followed.
 */
export function fluxKustomizationObjects(): Record<string, string> {
  return {
    "gantry.yaml": FLUX_OBJECTS_LAYOUT,
    "clusters/staging/apps.yaml": `${fluxKustomization("infrastructure", "./infrastructure")}---
${fluxKustomization("apps", "./deploy/staging", "  dependsOn:\n    - name: infrastructure\n")}`,
    "clusters/production/apps.yaml": `${fluxKustomization("infrastructure", "./infrastructure")}---
${fluxKustomization("apps", "./deploy/production", "  dependsOn:\n    - name: infrastructure\n")}`,
    "clusters/production/flux-system/gotk-sync.yaml": fluxKustomization(
      "flux-system",
      "./clusters/production",
    ),
    "infrastructure/ingress.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ingress-nginx
spec:
  chart:
    spec:
      chart: ingress-nginx
      version: 4.10.0
      sourceRef: { kind: HelmRepository, name: ingress-nginx }
`,
    "deploy/base/catalog/kustomization.yaml": `${KUSTOMIZE_API}resources:\n  - release.yaml\n`,
    "deploy/base/catalog/release.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: catalog
  namespace: catalog
spec:
  interval: 15m
  chart:
    spec:
      chart: catalog
      version: 0.8.0
      sourceRef:
        kind: HelmRepository
        name: acme
        namespace: flux-system
  values:
    image:
      repository: ghcr.io/acme/catalog
      tag: 3.0.0
`,
    "deploy/base/storefront/kustomization.yaml": `${KUSTOMIZE_API}resources:
  - deployment.yaml
images:
  - name: ghcr.io/acme/storefront
    newTag: 5.2.0 # what production runs until its overlay says otherwise
`,
    "deploy/base/storefront/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: storefront
spec:
  replicas: 2
  selector:
    matchLabels: { app: storefront }
  template:
    metadata:
      labels: { app: storefront }
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/storefront
`,
    "deploy/staging/kustomization.yaml": `${KUSTOMIZE_API}resources:
  - ../base/catalog
  - ../base/storefront
patches:
  - path: catalog-values.yaml
images:
  - name: ghcr.io/acme/storefront
    newTag: "5.3.0"
`,
    "deploy/staging/catalog-values.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: catalog
  namespace: catalog
spec:
  values:
    image:
      tag: 3.1.0
`,
    "deploy/production/kustomization.yaml": `${KUSTOMIZE_API}resources:
  - ../base/catalog
  - ../base/storefront
images:
  # production pulls through the mirror; the tag is the base's
  - name: ghcr.io/acme/storefront
    newName: mirror.acme.internal/storefront
`,
  };
}

/**
 * One file of Flux Kustomizations, `clusters/fleet/apps.yaml`, whose names
 * say the environment (`apps-staging`, `apps-production`); each points at a
 * directory without a kustomization.yaml, which Flux applies whole.
 */
export function fluxEnvironmentsByName(): Record<string, string> {
  const release = (tag: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: podinfo
spec:
  interval: 5m
  chart:
    spec:
      chart: podinfo
      version: "6.7.1"
      sourceRef:
        kind: HelmRepository
        name: podinfo
  values:
    replicaCount: 2
    image:
      tag: ${tag}
`;
  return {
    "gantry.yaml": `environments:
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-eu-1 }]
  - name: prod
    displayName: Production
    aliases: [production]
    clusters: [{ name: prod-eu-1 }]
discovery:
  - kind: flux
    kustomizations: "clusters/{*}/apps.yaml"
    kustomizationName: "apps-{env}"
apps:
  podinfo: { team: payments }
`,
    "clusters/fleet/apps.yaml": `${fluxKustomization("apps-staging", "./apps/staging")}---
${fluxKustomization("apps-production", "./apps/production")}`,
    "apps/staging/podinfo.yaml": release("6.7.1"),
    "apps/production/podinfo.yaml": release("6.6.0 # bumped after the soak"),
  };
}

/**
 * A plain Kustomize repository whose production overlay pulls through a
 * mirror (`newName`) and pins the image to a digest beside its tag.
 */
export function kustomizeRenamedAndPinned(): Record<string, string> {
  const overlay = (tag: string, digest: string | null) => `${KUSTOMIZE_API}resources:
  - ../../base
images:
  - name: ghcr.io/acme/ledger
    newName: registry.internal.acme/ledger # the mirror
    newTag: ${tag}
${digest === null ? "" : `    digest: ${digest}\n`}`;
  return {
    "gantry.yaml": `environments:
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-eu-1 }]
  - name: prod
    displayName: Production
    clusters: [{ name: prod-eu-1 }]
discovery:
  - kind: kustomize
    template: "overlays/{env}/kustomization.yaml"
apps:
  ledger: { team: payments }
`,
    "base/kustomization.yaml": `${KUSTOMIZE_API}resources:\n  - deployment.yaml\n`,
    "base/deployment.yaml":
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ledger\nspec:\n  template:\n    spec:\n      containers:\n        - name: ledger\n          image: ghcr.io/acme/ledger\n",
    "overlays/staging/kustomization.yaml": overlay('"1.9.0"', null),
    "overlays/prod/kustomization.yaml": overlay("1.8.2", OLD_DIGEST),
  };
}

/**
 * The same repository, where production's `apps` Kustomization, alone in its
 * file, pins storefront itself with `spec.images` (Flux applies it over the
 * overlay and its base, so it decides there).
 */
export function fluxObjectPinsImage(): Record<string, string> {
  return {
    ...fluxKustomizationObjects(),
    "clusters/production/apps.yaml": fluxKustomization(
      "apps",
      "./deploy/production",
      "  images:\n    - name: ghcr.io/acme/storefront\n      newTag: 5.2.1 # hotfix pinned on the cluster\n",
    ),
  };
}
