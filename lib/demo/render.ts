import type { ChartName } from "@/lib/demo/vocabulary";

/**
 * Text of the demo repository's files. Written as templates rather than
 * through a YAML serialiser on purpose: real values files carry header
 * comments, comments on keys, blank lines and mixed quoting, and promotion
 * has to keep all of that, so the demo must have it to prove it does.
 */

export type QuoteStyle = "plain" | "double" | "single";

export interface DemoLink {
  title: string;
  url: string;
}

export interface AppManifestInput {
  slug: string;
  name: string;
  team: string;
  description: string;
  tier: string;
  chart: ChartName;
  owners: readonly string[];
  slack: string;
  links: readonly DemoLink[];
  labels: Readonly<Record<string, string>>;
}

export function renderAppManifest(app: AppManifestInput): string {
  const links = app.links
    .map((link) => `  - title: ${link.title}\n    url: ${link.url}\n`)
    .join("");
  const labels = Object.entries(app.labels)
    .map(([key, value]) => `  ${key}: ${yamlString(value)}\n`)
    .join("");
  return `# Catalogue entry for ${app.slug}, read by Gantry on every import.
# The app's name in URLs and branches is its directory name; see README.md.
name: ${yamlString(app.name)}
team: ${app.team}
description: ${yamlString(app.description)}
tier: ${app.tier}
# The shared chart under charts/ that renders this app.
chart: ${app.chart}
owners:
${app.owners.map((owner) => `  - ${owner}\n`).join("")}slack: ${yamlString(app.slack)}
links:
${links}labels:
${labels}`;
}

export interface ValuesInput {
  slug: string;
  team: string;
  chart: ChartName;
  environment: string;
  environmentDisplayName: string;
  version: string;
  quote: QuoteStyle;
  /** A trailing comment on the tag line, as some teams write. */
  tagComment: string | null;
  replicas: number;
  cpu: string;
  memoryRequest: string;
  memoryLimit: string;
  logLevel: string;
  topic: string;
  schedule: string;
}

export function renderValues(values: ValuesInput): string {
  const tag = quoteVersion(values.version, values.quote);
  const tagLine = `  tag: ${tag}${values.tagComment ? `  # ${values.tagComment}` : ""}`;
  const header = `# ${values.slug} in ${values.environment} (${values.environmentDisplayName})
# Values for the ${values.chart} chart (charts/${values.chart}), layered over its defaults.
# Gantry promotes a release by changing image.tag here, through a pull request.

image:
  repository: registry.example.com/${values.team}/${values.slug}
  # The release that runs in ${values.environment}; promotions change only this line.
${tagLine}
  pullPolicy: IfNotPresent
`;
  const resources = `
resources:
  requests:
    cpu: ${values.cpu}
    memory: ${values.memoryRequest}
  limits:
    # No CPU limit: throttling hurts latency more than a noisy neighbour does.
    memory: ${values.memoryLimit}
`;
  switch (values.chart) {
    case "web-service":
      return `${header}
# Pods behind the Service; the HPA never scales below this.
replicas: ${values.replicas}

service:
  port: 8080
${resources}
env:
  LOG_LEVEL: ${values.logLevel}
  OTEL_SERVICE_NAME: ${values.slug}
`;
    case "worker":
      return `${header}
# Consumers in the group; keep at or below the topic's partition count.
replicas: ${values.replicas}
${resources}
env:
  LOG_LEVEL: ${values.logLevel}
  KAFKA_TOPIC: ${values.topic}
  OTEL_SERVICE_NAME: ${values.slug}
`;
    case "cronjob":
      return `${header}
# UTC. Staggered across apps so the nightly jobs do not all start at once.
schedule: "${values.schedule}"
backoffLimit: 2
${resources}`;
    case "stateful-service":
      return `${header}
# One volume per replica; scaling down does not delete the volumes.
replicas: ${values.replicas}

persistence:
  size: ${values.environment === "prod" ? "50Gi" : "10Gi"}
  storageClass: ${values.environment === "prod" ? "premium-ssd" : "standard"}
${resources}
env:
  LOG_LEVEL: ${values.logLevel}
`;
  }
}

/**
 * A version in the file's quoting style. Tags that YAML would read as a
 * number (a git SHA such as 1234567, or 3e45678, which is a float) are
 * double-quoted whatever the style.
 */
function quoteVersion(version: string, style: QuoteStyle): string {
  const numberLike = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(version);
  if (style === "double" || (style === "plain" && numberLike)) return `"${version}"`;
  if (style === "single") return `'${version}'`;
  return version;
}

export interface EnvironmentInput {
  name: string;
  displayName: string;
  description: string;
  clusters: ReadonlyArray<{ name: string; region: string; provider: string }>;
  policy: DemoPolicy;
}

/** An environment's policy as the demo writes it in environments.yaml. */
interface DemoPolicy {
  approvals: number | { count: number; team: string };
  order?: "deployed" | "healthy";
  autoMerge?: boolean;
  autoPromote?: "on-release" | "after-healthy";
  /** after-healthy: how long the release runs healthy in the previous environment first. */
  soak?: string;
  freezes?: ReadonlyArray<{ from: string; to: string; reason: string }>;
}

function renderPolicy(policy: DemoPolicy): string {
  const approvals =
    typeof policy.approvals === "number"
      ? `${policy.approvals}`
      : `{ count: ${policy.approvals.count}, team: ${policy.approvals.team} }`;
  let out = `    policy:
      # Approvals a promotion into this environment needs before it can merge,
      # never counting the person who asked for it.
      approvals: ${approvals}
`;
  if (policy.order) {
    out += `      # The version must be ${policy.order === "healthy" ? "deployed and healthy" : "deployed"} in the previous environment first.
      order: ${policy.order}
`;
  }
  if (policy.autoMerge !== undefined) {
    out += `      # Merge the pull request as soon as the policy is met.
      autoMerge: ${policy.autoMerge}
`;
  }
  if (policy.autoPromote === "on-release") {
    out += `      # A release CI registers opens its promotion here at once.
      autoPromote: on-release
`;
  }
  if (policy.autoPromote === "after-healthy") {
    out += `      # A release moves here by itself once it ran synced and healthy in the
      # previous environment for the soak, with no failed sync in between.
      autoPromote: after-healthy
      soak: ${policy.soak ?? "30m"}
`;
  }
  if (policy.freezes && policy.freezes.length > 0) {
    out += `      # No promotions during these windows, except break-glass with a reason.
      freezes:
${policy.freezes
  .map(
    (freeze) =>
      `        - from: ${freeze.from}\n          to: ${freeze.to}\n          reason: ${yamlString(freeze.reason)}\n`,
  )
  .join("")}`;
  }
  return out;
}

export function renderEnvironments(environments: readonly EnvironmentInput[]): string {
  const body = environments
    .map(
      (environment) => `  - name: ${environment.name}
    displayName: ${environment.displayName}
    description: ${yamlString(environment.description)}
    clusters:
${environment.clusters
  .map(
    (cluster) =>
      `      - name: ${cluster.name}\n        region: ${cluster.region}\n        provider: ${cluster.provider}\n`,
  )
  .join("")}${renderPolicy(environment.policy)}`,
    )
    .join("\n");
  return `# Environments in delivery order: a release lands in the first one and is
# promoted one environment at a time towards the last (production).
# Each environment lists the clusters whose deploy engine (Argo CD or Flux)
# syncs apps/<app>/envs/<environment>/values.yaml.
environments:
${body}`;
}

/** Quotes a string only when YAML would misread it plain. */
function yamlString(value: string): string {
  if (
    value === "" ||
    /^[\s#&*!|>'"%@`{[\]},?:-]/.test(value) ||
    /[:#]\s|\s#|:$|\s$|[\n\r\t]/.test(value) ||
    /^(true|false|yes|no|on|off|null|~)$/i.test(value) ||
    /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(value)
  ) {
    return JSON.stringify(value);
  }
  return value;
}
