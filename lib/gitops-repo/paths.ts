/*
 * lib/gitops-repo owns the GitOps repository's format: its paths, app.yaml and environments.yaml
 * (with each environment's policy block), and YAML reads and edits that keep every other byte.
 */

/**
 * The GitOps repository convention (DESIGN.md):
 *
 *   charts/<chart>/                    Helm charts (Chart.yaml, values.yaml, templates/)
 *   apps/<app>/app.yaml                catalogue metadata
 *   apps/<app>/envs/<env>/values.yaml  per-environment values; the version at image.tag
 *   environments.yaml                  ordered environments and their clusters
 *
 * Everything that turns names into paths, or paths back into names, is here,
 * so the importer, promotion and the demo generator cannot drift apart.
 */

/** App, team, environment, cluster and chart names: a DNS label. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const SLUG_RULE = "lowercase letters, digits and dashes, 1–63 characters, e.g. payments-api";

export const ENVIRONMENTS_FILE = "environments.yaml";
const APPS_DIR = "apps";
const CHARTS_DIR = "charts";
const APP_MANIFEST_FILE = "app.yaml";
const VALUES_FILE = "values.yaml";
export const DEFAULT_VERSION_PATH = "image.tag";

export function isSlug(value: string): boolean {
  return SLUG_PATTERN.test(value);
}

export function appManifestPath(app: string): string {
  return `${APPS_DIR}/${app}/${APP_MANIFEST_FILE}`;
}

export function environmentValuesPath(app: string, environment: string): string {
  return `${APPS_DIR}/${app}/envs/${environment}/${VALUES_FILE}`;
}

export type ConventionPath =
  | { kind: "environments" }
  | { kind: "app-manifest"; app: string }
  | { kind: "environment-values"; app: string; environment: string }
  | { kind: "chart-file"; chart: string; file: string }
  | { kind: "other" };

/** What a repository path means under the convention. Names are returned as written, valid or not. */
export function classifyPath(path: string): ConventionPath {
  if (path === ENVIRONMENTS_FILE) return { kind: "environments" };
  const parts = path.split("/");
  if (parts[0] === APPS_DIR && parts.length === 3 && parts[2] === APP_MANIFEST_FILE) {
    return { kind: "app-manifest", app: parts[1] ?? "" };
  }
  if (
    parts[0] === APPS_DIR &&
    parts.length === 5 &&
    parts[2] === "envs" &&
    parts[4] === VALUES_FILE
  ) {
    return { kind: "environment-values", app: parts[1] ?? "", environment: parts[3] ?? "" };
  }
  if (parts[0] === CHARTS_DIR && parts.length >= 3) {
    return { kind: "chart-file", chart: parts[1] ?? "", file: parts.slice(2).join("/") };
  }
  return { kind: "other" };
}

interface AppLayout {
  slug: string;
  /** Path of app.yaml, or null when the directory has none. */
  manifestPath: string | null;
  /** Environment name → values file path. */
  valuesPaths: Map<string, string>;
}

/** A path that breaks the convention; it has no line, the path itself is the problem. */
interface LayoutProblem {
  file: string;
  /** The app directory the file belongs to, when there is one. */
  app: string | null;
  message: string;
}

export interface RepositoryLayout {
  /** Path of environments.yaml, or null when the repository has none. */
  environmentsPath: string | null;
  /** Apps with a valid slug, sorted by slug. */
  apps: AppLayout[];
  /** Chart names found under charts/ that hold a Chart.yaml. */
  charts: string[];
  problems: LayoutProblem[];
}

/**
 * Sorts the file list of a commit (e.g. `listTree({ recursive: true })`)
 * into apps, environments and charts. Names that are not slugs are reported,
 * not guessed at: `apps/Payments_API/` would otherwise become an app whose
 * slug cannot appear in a URL or a branch name.
 */
export function describeLayout(filePaths: Iterable<string>): RepositoryLayout {
  let environmentsPath: string | null = null;
  const apps = new Map<string, AppLayout>();
  const charts = new Set<string>();
  const problems: LayoutProblem[] = [];
  const reportedDirectories = new Set<string>();

  const app = (slug: string): AppLayout => {
    let entry = apps.get(slug);
    if (!entry) {
      entry = { slug, manifestPath: null, valuesPaths: new Map() };
      apps.set(slug, entry);
    }
    return entry;
  };
  const badName = (file: string, directory: string, appSlug: string | null, message: string) => {
    if (reportedDirectories.has(directory)) return;
    reportedDirectories.add(directory);
    problems.push({ file, app: appSlug, message });
  };

  for (const path of filePaths) {
    const parts = path.split("/");
    if (parts[0] === APPS_DIR && parts.length >= 3) {
      const slug = parts[1] ?? "";
      if (!isSlug(slug)) {
        badName(
          path,
          `${APPS_DIR}/${slug}`,
          null,
          `"${slug}" is not a valid app name (${SLUG_RULE}); the directory is skipped`,
        );
        continue;
      }
      const entry = app(slug);
      const meaning = classifyPath(path);
      if (meaning.kind === "app-manifest") entry.manifestPath = path;
      else if (meaning.kind === "environment-values") {
        if (isSlug(meaning.environment)) entry.valuesPaths.set(meaning.environment, path);
        else
          badName(
            path,
            `${APPS_DIR}/${slug}/envs/${meaning.environment}`,
            slug,
            `"${meaning.environment}" is not a valid environment name (${SLUG_RULE}); the file is skipped`,
          );
      }
      continue;
    }
    const meaning = classifyPath(path);
    if (meaning.kind === "environments") environmentsPath = path;
    else if (meaning.kind === "chart-file" && meaning.file === "Chart.yaml") {
      charts.add(meaning.chart);
    }
  }

  for (const entry of apps.values()) {
    if (!entry.manifestPath) {
      problems.push({
        file: appManifestPath(entry.slug),
        app: entry.slug,
        message: `${appManifestPath(entry.slug)} is missing: every directory under apps/ needs one`,
      });
    }
  }

  return {
    environmentsPath,
    apps: [...apps.values()].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0)),
    charts: [...charts].sort(),
    problems,
  };
}
