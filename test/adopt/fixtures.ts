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
