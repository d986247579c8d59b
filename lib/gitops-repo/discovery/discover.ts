import type { DiscoveryRule, LayoutFile, MetadataSource } from "@/lib/gitops-repo/layout-file";
import type { VersionLocator } from "@/lib/gitops-repo/locator";
import type { OverridePlace } from "@/lib/gitops-repo/override";
import { isSlug, SLUG_RULE } from "@/lib/gitops-repo/paths";
import { httpUrl } from "@/lib/gitops-repo/schema-parts";
import { argocdDiscoverer } from "./argocd";
import { conventionDiscoverer } from "./convention";
import { readYamlData, valueAt } from "./files";
import { fluxDiscoverer } from "./flux";
import { kustomizeDiscoverer } from "./kustomize";
import { pathsDiscoverer } from "./paths";
import { compileTemplate } from "./template";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

const TIERS = ["critical", "high", "medium", "low"] as const;
type Tier = (typeof TIERS)[number];
/** The team of an app nothing says the owner of. */
const UNASSIGNED_TEAM = "unassigned";

interface DiscoveredTarget {
  environment: string;
  locators: VersionLocator[];
  /** Which rule found it, for reports: `paths {env}/{app}/values.yaml`. */
  rule: string;
  /** The Chart.yaml whose appVersion an empty version means, when the chart is in the repository. */
  chartFile?: string;
  /** Where the environment's own version would go when the file that decides it is shared. */
  override?: OverridePlace;
}

interface DiscoveredApplication {
  slug: string;
  name: string;
  team: string;
  description: string;
  tier: Tier;
  chart: string;
  links: { title: string; url: string }[];
  labels: Record<string, string>;
  /** In environment order. */
  targets: DiscoveredTarget[];
  /** Environments claimed but not usable (two rules claim them): the stored target is kept as it was. */
  blockedEnvironments: string[];
}

export interface Discovery {
  /** Each rule's label, in the layout file's order (a rule that found nothing included). */
  rules: string[];
  applications: DiscoveredApplication[];
  problems: DiscoveryProblem[];
  /** Every file the rules read, with its text: the import reads versions from these without asking Git again. */
  files: ReadonlyMap<string, string>;
}

function discovererFor(rule: DiscoveryRule): Discoverer {
  switch (rule.kind) {
    case "convention":
      return conventionDiscoverer(rule);
    case "paths":
      return pathsDiscoverer(rule);
    case "kustomize":
      return kustomizeDiscoverer(rule);
    case "argocd":
      return argocdDiscoverer(rule);
    case "flux":
      return fluxDiscoverer(rule);
  }
}

/**
 * Runs every discovery rule of a layout over one commit's files and turns
 * what they find into applications with their environments' locators.
 * Files are read in two rounds: what the rules need, then the metadata
 * files the found apps point at. Nothing here throws for a bad file.
 */
export async function discoverApplications(params: {
  layout: LayoutFile;
  /** Environment names in delivery order, with the other names the repository uses for each. */
  environments: readonly { name: string; aliases: readonly string[] }[];
  paths: readonly string[];
  read: (paths: readonly string[]) => Promise<ReadonlyMap<string, string>>;
}): Promise<Discovery> {
  const { layout, environments, paths } = params;
  const discoverers = layout.discovery.map(discovererFor);
  const wanted = [...new Set(discoverers.flatMap((d) => d.filesToRead(paths)))];
  const files = new Map(await params.read(wanted));

  const problems: DiscoveryProblem[] = [];
  const found: { cell: DiscoveredCell; rule: number }[] = [];
  discoverers.forEach((discoverer, rule) => {
    const result = discoverer.discover({ paths, files });
    problems.push(...result.problems);
    for (const cell of result.cells) found.push({ cell, rule });
  });

  const environmentOf = new Map<string, string>();
  for (const environment of environments) {
    environmentOf.set(environment.name, environment.name);
    for (const alias of environment.aliases) environmentOf.set(alias, environment.name);
  }
  const order = new Map(environments.map((e, index) => [e.name, index]));
  const known = environments.map((e) => e.name).join(", ");

  // (app, environment) → every claim, to find conflicts.
  const claims = new Map<string, Map<string, { cell: DiscoveredCell; rule: number }[]>>();
  for (const entry of found) {
    const { cell } = entry;
    if (layout.apps[cell.app]?.exclude) continue;
    const environment = environmentOf.get(cell.environment);
    if (environment === undefined) {
      problems.push({
        app: cell.app,
        file: cell.declaredIn,
        line: null,
        column: null,
        message: `environment "${cell.environment}" is not one of ${known}; list it (or add it as an alias) in the environments`,
      });
      continue;
    }
    let perApp = claims.get(cell.app);
    if (!perApp) {
      perApp = new Map();
      claims.set(cell.app, perApp);
    }
    perApp.set(environment, [...(perApp.get(environment) ?? []), entry]);
  }

  const metadataFiles = new Set<string>();
  const sources = (rule: number) => ({
    ...layout.metadata,
    ...ruleMapping(layout.discovery[rule]),
  });
  const inTree = new Set(paths);
  for (const perApp of claims.values()) {
    const { cell, rule } = firstClaim(perApp);
    for (const source of Object.values(sources(rule))) {
      if (source?.from !== "file") continue;
      const path = compileTemplate(source.file).fill({ ...cell.captures, app: cell.app });
      if (path !== null && inTree.has(path) && !files.has(path)) metadataFiles.add(path);
    }
  }
  if (metadataFiles.size > 0) {
    for (const [path, text] of await params.read([...metadataFiles])) files.set(path, text);
  }

  const applications: DiscoveredApplication[] = [];
  for (const [slug, perApp] of [...claims].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const targets: DiscoveredTarget[] = [];
    const blockedEnvironments: string[] = [];
    for (const [environment, entries] of perApp) {
      if (entries.length > 1) {
        const who = entries
          .map(
            ({ cell, rule }) =>
              `rule ${rule + 1} (${discoverers[rule]?.label}) at ${cell.declaredIn}`,
          )
          .join(" and ");
        for (const { cell } of entries) {
          problems.push({
            app: slug,
            file: cell.declaredIn,
            line: null,
            column: null,
            message: `${slug} in ${environment} is claimed twice: by ${who}; neither is used until one rule is narrowed (or the app excluded from one)`,
          });
        }
        blockedEnvironments.push(environment);
        continue;
      }
      const [{ cell, rule }] = entries as [{ cell: DiscoveredCell; rule: number }];
      targets.push({
        environment,
        locators: cell.locators,
        rule: discoverers[rule]?.label ?? "",
        ...(cell.chartFile === undefined ? {} : { chartFile: cell.chartFile }),
        ...(cell.override === undefined ? {} : { override: cell.override }),
      });
    }
    targets.sort((a, b) => (order.get(a.environment) ?? 0) - (order.get(b.environment) ?? 0));
    const first = firstClaim(perApp);
    applications.push(
      resolveMetadata({
        slug,
        cell: first.cell,
        ruleMapping: ruleMapping(layout.discovery[first.rule]),
        layoutMapping: layout.metadata,
        override: layout.apps[slug],
        files,
        problems,
        targets,
        blockedEnvironments,
      }),
    );
  }
  return { rules: discoverers.map((d) => d.label), applications, problems, files };
}

type Claim = { cell: DiscoveredCell; rule: number };

/** The claim metadata is read from: the app's first environment as the rules found it. */
function firstClaim(perApp: Map<string, Claim[]>): Claim {
  const [first] = [...perApp.values()][0] as [Claim];
  return first;
}

type Mapping = LayoutFile["metadata"];

function ruleMapping(rule: DiscoveryRule | undefined): Mapping {
  return (rule && "metadata" in rule ? rule.metadata : undefined) ?? {};
}

function resolveMetadata(params: {
  slug: string;
  cell: DiscoveredCell;
  /** The rule's own mapping, over what the object says of itself (app.yaml), over the layout's. */
  ruleMapping: Mapping;
  layoutMapping: Mapping;
  override: LayoutFile["apps"][string] | undefined;
  files: ReadonlyMap<string, string>;
  problems: DiscoveryProblem[];
  targets: DiscoveredTarget[];
  blockedEnvironments: string[];
}): DiscoveredApplication {
  const { slug, cell, ruleMapping, layoutMapping, override, files, problems } = params;
  const problem = (file: string, message: string) =>
    problems.push({ app: slug, file, line: null, column: null, message });
  const lookup = (source: MetadataSource | undefined): { value: unknown; file: string } | null => {
    if (!source) return null;
    switch (source.from) {
      case "value":
        return { value: source.value, file: "gantry.yaml" };
      case "path": {
        const value = source.placeholder === "app" ? slug : cell.captures[source.placeholder];
        return value === undefined ? null : { value, file: cell.declaredIn };
      }
      case "label":
        return key(cell.objectLabels, source.key, cell.declaredIn);
      case "annotation":
        return key(cell.objectAnnotations, source.key, cell.declaredIn);
      case "file": {
        const path = compileTemplate(source.file).fill({ ...cell.captures, app: slug });
        if (path === null || !files.has(path)) return null;
        const data = readYamlData(path, files.get(path));
        if (!data.ok) {
          problems.push({ app: slug, ...data.error });
          return null;
        }
        const value = valueAt(data.value, source.key);
        return value === undefined || value === null ? null : { value, file: path };
      }
    }
  };
  const textFrom = (mapping: Mapping, name: keyof Mapping): string | undefined => {
    const found = lookup(mapping[name]);
    if (found === null) return undefined;
    if (typeof found.value === "string" || typeof found.value === "number")
      return String(found.value);
    problem(found.file, `the ${name} of ${slug} must be text`);
    return undefined;
  };
  const meta = cell.metadata;
  const text = (name: "name" | "team" | "description" | "tier"): string | undefined =>
    textFrom(ruleMapping, name) ?? meta[name] ?? textFrom(layoutMapping, name);

  let team = override?.team ?? text("team") ?? UNASSIGNED_TEAM;
  if (!isSlug(team)) {
    problem(
      cell.declaredIn,
      `team "${team}" of ${slug} is not a valid name (${SLUG_RULE}); shown as ${UNASSIGNED_TEAM}`,
    );
    team = UNASSIGNED_TEAM;
  }
  let tier = override?.tier ?? text("tier") ?? "medium";
  if (!(TIERS as readonly string[]).includes(tier)) {
    problem(
      cell.declaredIn,
      `tier "${tier}" of ${slug} is not one of ${TIERS.join(", ")}; shown as medium`,
    );
    tier = "medium";
  }
  return {
    slug,
    name: override?.name ?? text("name") ?? slug,
    team,
    description: (override?.description ?? text("description") ?? "").slice(0, 2000),
    tier: tier as Tier,
    chart: meta.chart ?? "",
    links:
      override?.links ??
      linksFrom(lookup(ruleMapping.links), problem) ??
      meta.links ??
      linksFrom(lookup(layoutMapping.links), problem) ??
      [],
    labels: meta.labels ?? {},
    targets: params.targets,
    blockedEnvironments: params.blockedEnvironments,
  };
}

function key(
  values: Record<string, string>,
  name: string,
  file: string,
): { value: unknown; file: string } | null {
  const value = values[name];
  return value === undefined ? null : { value, file };
}

/** A list of { title, url }, or one URL (from a label or annotation); only http(s) links are kept. */
function linksFrom(
  found: { value: unknown; file: string } | null,
  problem: (file: string, message: string) => void,
): { title: string; url: string }[] | undefined {
  if (found === null) return undefined;
  const entries: unknown[] = Array.isArray(found.value)
    ? found.value
    : [{ title: "link", url: found.value }];
  const links: { title: string; url: string }[] = [];
  for (const entry of entries.slice(0, 50)) {
    const record =
      entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>) : {};
    const url = httpUrl.safeParse(record.url);
    if (typeof record.title !== "string" || !url.success) {
      problem(
        found.file,
        "a link must have a title and an http:// or https:// url; it is left out",
      );
      continue;
    }
    links.push({ title: record.title.slice(0, 200), url: url.data });
  }
  return links;
}
