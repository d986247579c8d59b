/**
 * Repositories where one file decides the version of several environments
 * or applications (a shared Argo CD values.yaml, a Flux base an overlay does
 * not patch), and where a cell's versions move in pairs or come from the
 * chart. Written for these tests in shapes teams commonly use.
 */

const REPO = "https://git.example.com/platform/gitops.git";

const THREE_ENVIRONMENTS = `environments:
  - name: dev
    displayName: Development
    clusters: [{ name: dev-eu-1 }]
  - name: staging
    displayName: Staging
    clusters: [{ name: staging-eu-1 }]
  - name: prod
    displayName: Production
    aliases: [production]
    clusters: [{ name: prod-eu-1 }]
`;

function application(name: string, source: string): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
  labels:
    team: payments
spec:
  project: default
${source}  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
`;
}

/**
 * One chart, charts/api, deployed as two applications: `api` in every
 * environment and `jobs` (the same image, another command) in prod. Each
 * Application lists the chart's values.yaml, then a file of its own. Only
 * staging sets the tag in its own file: values.yaml decides api's version
 * in dev and prod, and jobs' in prod.
 */
export function argocdSharedValues(writeOverrides: boolean): Record<string, string> {
  const child = (name: string, own: string) =>
    application(
      name,
      `  source:
    repoURL: ${REPO}
    targetRevision: main
    path: charts/api
    helm:
      valueFiles:
        - values.yaml
        - ${own}
`,
    );
  return {
    "gantry.yaml": `# Argo CD Applications named <app>-<env> over one chart
${THREE_ENVIRONMENTS}discovery:
  - kind: argocd
    name: "{app}-{env}"
    version: image.tag
    repoURLs: [${REPO}]
metadata:
  team: { from: label, key: team }
${writeOverrides ? "writeOverrides: true\n" : ""}`,
    "argocd/api-dev.yaml": child("api-dev", "values-dev.yaml"),
    "argocd/api-staging.yaml": child("api-staging", "values-staging.yaml"),
    "argocd/api-prod.yaml": child("api-prod", "values-prod.yaml"),
    "argocd/jobs-prod.yaml": child("jobs-prod", "values-jobs-prod.yaml"),
    "charts/api/Chart.yaml": "apiVersion: v2\nname: api\nversion: 0.4.0\nappVersion: 2.0.0\n",
    "charts/api/values.yaml": `replicaCount: 1
image:
  repository: ghcr.io/acme/api
  tag: 2.0.0 # every environment that does not set its own
`,
    "charts/api/values-dev.yaml": "replicaCount: 1\n",
    "charts/api/values-staging.yaml": "image:\n  tag: 2.1.0\n",
    "charts/api/values-prod.yaml": `# production sizing
replicaCount: 3
resources:
  limits: { cpu: "1", memory: 512Mi }
`,
    "charts/api/values-jobs-prod.yaml": 'command: ["api", "jobs"]\n',
  };
}

/**
 * Flux, base + overlays: dev patches nothing, so the base decides both
 * apps there; staging patches both tags; production patches `cart`'s
 * replicas only (its tag comes from the base) and does not patch `shop`.
 */
export function fluxSharedBase(writeOverrides: boolean): Record<string, string> {
  const release = (app: string, tag: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${app}
  namespace: ${app}
spec:
  interval: 30m
  chart:
    spec:
      chart: ${app}
      version: "1.2.0"
      sourceRef:
        kind: HelmRepository
        name: acme
        namespace: flux-system
  values:
    image:
      repository: ghcr.io/acme/${app}
      tag: ${tag}
`;
  const tagPatch = (app: string, tag: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${app}
  namespace: ${app}
spec:
  values:
    image:
      tag: ${tag}
`;
  const base =
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n";
  const resources = "resources:\n  - ../base/cart\n  - ../base/shop\n";
  const kustomization = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";
  return {
    "gantry.yaml": `# Flux: HelmReleases in apps/base, one overlay per environment
${THREE_ENVIRONMENTS}discovery:
  - kind: flux
    template: "apps/{env}/kustomization.yaml"
    version: spec.values.image.tag
metadata:
  team: { from: value, value: payments }
${writeOverrides ? "writeOverrides: true\n" : ""}`,
    "apps/base/cart/kustomization.yaml": base,
    "apps/base/cart/release.yaml": release("cart", "4.0.0"),
    "apps/base/shop/kustomization.yaml": base,
    "apps/base/shop/release.yaml": release("shop", "7.0.0"),
    "apps/dev/kustomization.yaml": `${kustomization}${resources}`,
    "apps/staging/kustomization.yaml": `${kustomization}${resources}patches:
  - path: cart-values.yaml
  - path: shop-values.yaml
`,
    "apps/staging/cart-values.yaml": tagPatch("cart", "4.1.0"),
    "apps/staging/shop-values.yaml": tagPatch("shop", "7.1.0"),
    "apps/production/kustomization.yaml": `${kustomization}${resources}patches:
  - path: cart-values.yaml
    target:
      kind: HelmRelease
      name: cart
`,
    "apps/production/cart-values.yaml": `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: cart
  namespace: cart
spec:
  values:
    replicaCount: 3
`,
  };
}

export const DIGEST = {
  staging: `sha256:${"b".repeat(64)}`,
  prod: `sha256:${"a".repeat(64)}`,
  ci: `sha256:${"c".repeat(64)}`,
};

/**
 * The same image pinned by digest in two places of one values file: the
 * service's `image` (tag + digest) and its migrations job's image reference
 * (`name:tag@sha256:…`), which moves with it.
 */
export function pairedDigestLocators(): Record<string, string> {
  const values = (tag: string, digest: string) => `image:
  repository: ghcr.io/acme/api
  tag: "${tag}"
  digest: ${digest}
migrations:
  image: ghcr.io/acme/api:${tag}@${digest}
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
    alsoMoves:
      - { path: migrations.image, as: image-reference }
apps:
  api: { team: payments }
`,
    "deploy/staging/api/values.yaml": values("2.1.0", DIGEST.staging),
    "deploy/prod/api/values.yaml": values("2.0.0", DIGEST.prod),
  };
}

/**
 * Staging leaves the tag empty (the chart's appVersion runs) and production
 * pins one: `web`'s chart is in this repository (appVersion 3.3.0), `edge`'s
 * comes from a Helm repository, so what staging runs is not known here.
 */
export function emptyTagBeforeProd(): Record<string, string> {
  const web = (env: string) =>
    application(
      `web-${env}`,
      `  source:
    repoURL: ${REPO}
    targetRevision: main
    path: charts/web
    helm:
      valueFiles:
        - values-${env}.yaml
`,
    );
  const edge = (env: string, tag: string) =>
    application(
      `edge-${env}`,
      `  source:
    repoURL: https://charts.example.com/acme
    chart: edge
    targetRevision: 1.4.0
    helm:
      valuesObject:
        image:
          tag: ${tag}
`,
    );
  return {
    "gantry.yaml": `environments:
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
    repoURLs: [${REPO}]
metadata:
  team: { from: label, key: team }
`,
    "argocd/web-staging.yaml": web("staging"),
    "argocd/web-prod.yaml": web("prod"),
    "argocd/edge-staging.yaml": edge("staging", '""'),
    "argocd/edge-prod.yaml": edge("prod", '"1.0.0"'),
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\nappVersion: 3.3.0\n",
    "charts/web/values-staging.yaml": 'image:\n  tag: "" # the chart\'s appVersion\n',
    "charts/web/values-prod.yaml": 'image:\n  tag: "3.2.0"\n',
  };
}
