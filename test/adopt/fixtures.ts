/**
 * GitOps repositories Gantry did not lay out, written for these tests in
 * the shapes teams commonly use (not copied from any public repository).
 * Each is a map of path → content for `GitopsFixture.commit`.
 */

const ENVIRONMENTS = `environments:
  - name: dev
    displayName: Development
    clusters:
      - name: dev-eu-1
  - name: staging
    displayName: Staging
    clusters:
      - name: staging-eu-1
  - name: prod
    displayName: Production
    aliases: [production]
    clusters:
      - name: prod-eu-1
      - name: prod-us-1
`;

/** The gantry.yaml of the team/app/env monorepo; README.md shows the same text. */
export const PATHS_LAYOUT = `# Values per environment, team and app: production/payments/checkout-api/values.yaml
${ENVIRONMENTS}discovery:
  - kind: paths
    template: "{env}/{team}/{app}/values.yaml"
    version: image.tag
metadata:
  team: { from: path, placeholder: team }
  description: { from: file, file: "catalog/{app}.yaml", key: description }
  tier: { from: file, file: "catalog/{app}.yaml", key: tier }
`;

function helmValues(version: string, replicas: number): string {
  return `# Helm values for this environment
replicaCount: ${replicas}

image:
  repository: ghcr.io/acme/service
  # promoted by Gantry; anything else is reviewed by the team
  tag: '${version}'
  pullPolicy: IfNotPresent

resources:
  limits: { cpu: 500m, memory: 256Mi }
`;
}

/** A team/app/env monorepo: `{env}/{team}/{app}/values.yaml`, prod spelled "production". */
export function pathsMonorepo(): Record<string, string> {
  return {
    "gantry.yaml": PATHS_LAYOUT,
    "README.md": "# Platform GitOps\n",
    "dev/payments/checkout-api/values.yaml": helmValues("2.4.0", 1),
    "staging/payments/checkout-api/values.yaml": helmValues("2.4.0", 2),
    "production/payments/checkout-api/values.yaml": helmValues("2.3.1", 4),
    "dev/search/indexer/values.yaml": helmValues("0.9.0", 1),
    "production/search/indexer/values.yaml": helmValues("0.8.2", 2),
    "catalog/checkout-api.yaml": "description: Takes the money\ntier: critical\n",
  };
}

/** The gantry.yaml of the plain Kustomize overlays repository; README.md shows the same text. */
export const KUSTOMIZE_LAYOUT = `# One base, one overlay per environment; each image is an application
environments:
  - name: dev
    displayName: Development
    clusters: [{ name: dev-eu-1 }]
  - name: prod
    displayName: Production
    clusters: [{ name: prod-eu-1 }]
discovery:
  - kind: kustomize
    template: "overlays/{env}/kustomization.yaml"
apps:
  api: { team: payments, tier: high, description: The public API }
  worker: { team: payments }
`;

function overlay(api: string, worker: string): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: ghcr.io/acme/api
    newTag: ${api}
  - name: ghcr.io/acme/worker
    newTag: "${worker}" # pinned by hand
patches:
  - path: replicas.yaml
`;
}

/** A plain Kustomize repository: base/ and overlays/<env>/kustomization.yaml with images[]. */
export function kustomizeOverlays(): Record<string, string> {
  return {
    "gantry.yaml": KUSTOMIZE_LAYOUT,
    "base/kustomization.yaml":
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - api.yaml\n  - worker.yaml\n",
    "base/api.yaml":
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api\n",
    "base/worker.yaml":
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n        - name: worker\n          image: ghcr.io/acme/worker\n",
    "overlays/dev/kustomization.yaml": overlay("v1.3.0", "2.1.0"),
    "overlays/dev/replicas.yaml": "- op: replace\n  path: /spec/replicas\n  value: 1\n",
    "overlays/prod/kustomization.yaml": overlay("v1.2.0", "2.1.0"),
    "overlays/prod/replicas.yaml": "- op: replace\n  path: /spec/replicas\n  value: 3\n",
  };
}

/** The gantry.yaml of the Argo CD repositories; README.md shows the same text. */
export const ARGOCD_LAYOUT = `# Argo CD Applications named <app>-<env>, Helm values per environment
environments:
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-eu-1 }]
  - name: prod
    displayName: Production
    clusters: [{ name: prod-eu-1 }]
discovery:
  - kind: argocd
    name: "{app}-{env}"
    version: image.tag
    repoURLs: [https://git.example.com/platform/gitops.git]
metadata:
  team: { from: label, key: team }
`;

const REPO = "https://git.example.com/platform/gitops.git";

function application(params: { name: string; team: string; source: string }): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${params.name}
  namespace: argocd
  labels:
    team: ${params.team}
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
${params.source}  destination:
    server: https://kubernetes.default.svc
    namespace: ${params.name}
  syncPolicy:
    automated: { prune: true, selfHeal: true }
`;
}

/**
 * An app-of-apps: a root Application over argocd/apps/, whose children are
 * Applications of a chart in this repository with a shared values.yaml and
 * one values file per environment (the last listed decides).
 */
export function argocdAppOfApps(): Record<string, string> {
  const child = (app: string, env: string) =>
    application({
      name: `${app}-${env}`,
      team: "payments",
      source: `  source:
    repoURL: ${REPO}
    targetRevision: main
    path: charts/${app}
    helm:
      valueFiles:
        - values.yaml
        - values-${env}.yaml
`,
    });
  return {
    "gantry.yaml": ARGOCD_LAYOUT,
    "argocd/root.yaml": `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${REPO}
    targetRevision: main
    path: argocd/apps
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
`,
    "argocd/apps/ledger-staging.yaml": child("ledger", "staging"),
    "argocd/apps/ledger-prod.yaml": child("ledger", "prod"),
    "charts/ledger/Chart.yaml": "apiVersion: v2\nname: ledger\nversion: 0.3.0\nappVersion: 1.0.0\n",
    "charts/ledger/values.yaml":
      "replicaCount: 1\nimage:\n  repository: ghcr.io/acme/ledger\n  tag: 1.0.0 # the chart's default\n",
    "charts/ledger/values-staging.yaml": "image:\n  tag: 1.5.0\n",
    // prod does not set the tag yet: the shared values.yaml decides there.
    "charts/ledger/values-prod.yaml": "replicaCount: 3\n",
  };
}

/** An ApplicationSet whose list generator names each environment and its tag. */
export function argocdListApplicationSet(): Record<string, string> {
  return {
    "gantry.yaml": ARGOCD_LAYOUT,
    "appsets/billing.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: billing
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - list:
        elements:
          - env: staging
            tag: "3.2.0"
          - env: prod
            tag: "3.1.0"
  template:
    metadata:
      name: 'billing-{{.env}}'
      labels:
        team: payments
    spec:
      project: default
      source:
        repoURL: oci://ghcr.io/acme/charts
        chart: billing
        targetRevision: 1.4.0
        helm:
          parameters:
            - name: image.tag
              value: '{{.tag}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: 'billing-{{.env}}'
`,
    "appsets/clusters.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: addons
spec:
  generators:
    - clusters: {}
  template:
    metadata:
      name: 'addons-{{name}}'
    spec:
      project: default
      source: { repoURL: ${REPO}, path: addons, targetRevision: main }
      destination: { server: '{{server}}', namespace: addons }
`,
  };
}

/** A multi-source Application: a chart from a registry, its values from this repository through $values. */
export function argocdMultiSource(): Record<string, string> {
  const app = (env: string) =>
    application({
      name: `search-${env}`,
      team: "search",
      source: `  sources:
    - repoURL: https://charts.example.com
      chart: search
      targetRevision: 2.0.1
      helm:
        valueFiles:
          - $values/values/search/common.yaml
          - $values/values/search/${env}.yaml
    - repoURL: ${REPO}
      targetRevision: main
      ref: values
`,
    });
  return {
    "gantry.yaml": ARGOCD_LAYOUT,
    "apps/search-staging.yaml": app("staging"),
    "apps/search-prod.yaml": app("prod"),
    "values/search/common.yaml": "image:\n  repository: ghcr.io/acme/search\n",
    "values/search/staging.yaml": "image:\n  tag: 7.1.0\n",
    "values/search/prod.yaml": "image:\n  tag: 7.0.0\n",
  };
}

/** Flux-style HelmReleases per cluster directory, matched with a paths rule; prod follows a semver range. */
export function helmReleasesWithRange(pinRanges: boolean): Record<string, string> {
  const release = (env: string, version: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: podinfo
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "${version}"
      sourceRef:
        kind: HelmRepository
        name: podinfo
  values:
    replicaCount: ${env === "prod" ? 3 : 1}
`;
  return {
    "gantry.yaml": `environments:
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-eu-1 }]
  - name: prod
    displayName: Production
    clusters: [{ name: prod-eu-1 }]
discovery:
  - kind: paths
    template: "clusters/{env}/{app}/release.yaml"
    version: spec.chart.spec.version
    as: helm-chart-version
apps:
  podinfo: { team: payments }
pinRanges: ${pinRanges}
`,
    "clusters/staging/podinfo/release.yaml": release("staging", "6.5.0"),
    "clusters/prod/podinfo/release.yaml": release("prod", ">=6.0.0 <7.0.0"),
  };
}

/** The gantry.yaml of the Flux repository; README.md shows the same text. */
export const FLUX_LAYOUT = `# Flux: HelmReleases in apps/base, one overlay per environment patching them
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
    template: "apps/{env}/kustomization.yaml"
    version: spec.values.image.tag
pinRanges: true
metadata:
  team: { from: value, value: payments }
`;

/**
 * A Flux repository in the shape of the Flux examples: a HelmRelease per app
 * in apps/base/, and apps/<env>/ overlays that patch it. Staging overrides
 * the tag in its patch; production does not, so the base decides there.
 */
export function fluxRepository(): Record<string, string> {
  const release = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cart
  namespace: cart
spec:
  interval: 30m
  chart:
    spec:
      chart: cart
      version: "1.x"
      sourceRef:
        kind: HelmRepository
        name: acme
        namespace: flux-system
  values:
    image:
      repository: ghcr.io/acme/cart
      tag: 4.0.0 # production follows the base
`;
  const overlay = (patch: boolean) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: cart
resources:
  - ../base/cart
${patch ? "patches:\n  - path: cart-values.yaml\n    target:\n      kind: HelmRelease\n" : ""}`;
  return {
    "gantry.yaml": FLUX_LAYOUT,
    "clusters/staging/apps.yaml": `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/staging
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`,
    "apps/base/cart/kustomization.yaml":
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n",
    "apps/base/cart/release.yaml": release,
    "apps/staging/kustomization.yaml": overlay(true),
    "apps/staging/cart-values.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cart
  namespace: cart
spec:
  chart:
    spec:
      version: "1.3.0"
  values:
    image:
      tag: 4.1.0
`,
    "apps/production/kustomization.yaml": overlay(false),
  };
}

const DIGEST = {
  prod: `sha256:${"a".repeat(64)}`,
  staging: `sha256:${"b".repeat(64)}`,
};

/** Helm values that pin the image tag to a digest, per environment, found with a paths rule. */
export function pinnedDigests(): Record<string, string> {
  const values = (tag: string, digest: string) => `image:
  repository: ghcr.io/acme/api
  # tag and digest move together: the digest is what runs
  tag: "${tag}"
  digest: ${digest}
`;
  return {
    "gantry.yaml": `environments:
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-eu-1 }]
  - name: prod
    displayName: Production
    clusters: [{ name: prod-eu-1 }]
discovery:
  - kind: paths
    template: "deploy/{env}/{app}/values.yaml"
    version: image.tag
apps:
  api: { team: payments }
`,
    "deploy/staging/api/values.yaml": values("2.1.0", DIGEST.staging),
    "deploy/prod/api/values.yaml": values("2.0.0", DIGEST.prod),
  };
}

/**
 * Charts that ship `tag: ""` in production (the chart's appVersion is used):
 * `web`'s chart is in this repository, so its appVersion is known; `edge`'s
 * comes from a Helm repository, so production runs the chart's default.
 */
export function chartDefaults(): Record<string, string> {
  const web = (env: string) =>
    application({
      name: `web-${env}`,
      team: "payments",
      source: `  source:
    repoURL: ${REPO}
    targetRevision: main
    path: charts/web
    helm:
      valueFiles:
        - values.yaml
        - values-${env}.yaml
`,
    });
  const edge = (env: string, tag: string) =>
    application({
      name: `edge-${env}`,
      team: "payments",
      source: `  source:
    repoURL: https://charts.example.com
    chart: edge
    targetRevision: 1.4.0
    helm:
      valuesObject:
        image:
          tag: ${tag}
`,
    });
  return {
    "gantry.yaml": ARGOCD_LAYOUT,
    "argocd/web-staging.yaml": web("staging"),
    "argocd/web-prod.yaml": web("prod"),
    "argocd/edge-staging.yaml": edge("staging", '"1.1.0"'),
    "argocd/edge-prod.yaml": edge("prod", '""'),
    "charts/web/Chart.yaml": 'apiVersion: v2\nname: web\nversion: 0.4.0\nappVersion: "3.2.0"\n',
    "charts/web/values.yaml": 'image:\n  repository: ghcr.io/acme/web\n  tag: ""\n',
    "charts/web/values-staging.yaml": "image:\n  tag: 3.3.0\n",
    "charts/web/values-prod.yaml": 'replicaCount: 3\nimage:\n  tag: "" # the chart\'s appVersion\n',
  };
}

/**
 * A Flux repository where each environment's overlay patches the version:
 * `checkout`'s tag is set in apps/<env>/checkout-values.yaml, so promoting
 * it edits that overlay file; `search` ships `tag: ""` in its base and its
 * chart comes from a Helm repository, so it runs the chart's default.
 */
export function fluxOverlays(): Record<string, string> {
  const release = (
    app: string,
    chartVersion: string,
    tag: string,
  ) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${app}
  namespace: ${app}
spec:
  interval: 30m
  chart:
    spec:
      chart: ${app}
      version: "${chartVersion}"
      sourceRef:
        kind: HelmRepository
        name: acme
        namespace: flux-system
  values:
    replicaCount: 2
    image:
      repository: ghcr.io/acme/${app}
      tag: ${tag}
`;
  const overlay = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base/checkout
  - ../base/search
patches:
  - path: checkout-values.yaml
    target:
      kind: HelmRelease
      name: checkout
`;
  const patch = (env: string, tag: string) => `# ${env}: what runs here, promoted by Gantry
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: checkout
  namespace: checkout
spec:
  values:
    image:
      tag: ${tag}
`;
  const base =
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n";
  return {
    "gantry.yaml": FLUX_LAYOUT,
    "apps/base/checkout/kustomization.yaml": base,
    "apps/base/checkout/release.yaml": release("checkout", "2.0.0", "1.0.0"),
    "apps/base/search/kustomization.yaml": base,
    "apps/base/search/release.yaml": release("search", "3.1.0", '""'),
    "apps/staging/kustomization.yaml": overlay,
    "apps/staging/checkout-values.yaml": patch("staging", "1.3.0"),
    "apps/production/kustomization.yaml": overlay,
    "apps/production/checkout-values.yaml": patch("production", "1.2.0 # reviewed by the team"),
  };
}
