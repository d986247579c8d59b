import { GantryError } from "@/lib/errors";
import type { GitReader } from "@/lib/git/provider";
import { parseAppManifest } from "@/lib/gitops-repo/app-manifest";
import { parseEnvironments } from "@/lib/gitops-repo/environments";
import { LAYOUT_FILE } from "@/lib/gitops-repo/layout-file";
import { describeLayout, type RepositoryLayout } from "@/lib/gitops-repo/paths";
import { readCurrentVersion } from "@/lib/gitops-repo/version";
import { type DiscoverySummary, summariseDiscovery } from "./discovery-summary";
import { ParseCache } from "./parse-cache";
import { readAdoptedRepository } from "./read-adopted-repository";
import type { ImportProblemInput, RepoSnapshot, SnapshotApplication } from "./snapshot";

/** Path → blob id of every file of one commit (or of the part of it that was listed). */
export type Blobs = ReadonlyMap<string, string | undefined>;

/**
 * Reads the GitOps repository at one commit into a snapshot, whole. With a
 * layout file (gantry.yaml), its discovery rules say where apps and versions
 * are; without one, Gantry's own convention applies. The importer reads the
 * convention in slices of applications instead (import-commit.ts); this is
 * for callers that want the whole picture at once.
 */
export async function readGitopsRepo(params: {
  git: GitReader;
  commit: string;
  versionPath: string;
  /** The layout file's path; LAYOUT_FILE (gantry.yaml) unless GANTRY_LAYOUT_FILE says otherwise. */
  layoutFile?: string;
}): Promise<RepoSnapshot> {
  const { git, commit, versionPath } = params;
  const blobs = await listBlobs(git, commit);
  const layoutFile = params.layoutFile ?? LAYOUT_FILE;
  if (blobs.has(layoutFile)) {
    return readAdoptedSnapshot({ git, commit, blobs, layoutFile, cache: new ParseCache(0) });
  }
  const layout = describeLayout(blobs.keys());
  const environments = await readConventionEnvironments({ git, commit, blobs, layout });
  const paths = layout.apps.flatMap((app) => conventionFiles(app));
  const texts = await readTexts({ git, commit, blobs, paths });
  const read = conventionApplications({
    apps: layout.apps,
    texts,
    environmentNames: new Set(environments.map((e) => e.name)),
    charts: new Set(layout.charts),
    versionPath,
  });
  return {
    commit,
    environments,
    applications: read.applications,
    slugsInGit: layout.apps.map((app) => app.slug),
    problems: [...layoutProblems(layout, null), ...read.problems],
  };
}

/** Every file of a commit with its blob id: one `ls-tree`. */
export async function listBlobs(git: GitReader, commit: string): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  for (const entry of await git.listTree({ ref: commit, recursive: true })) {
    if (entry.type === "file") blobs.set(entry.path, entry.sha ?? "");
  }
  return blobs;
}

/**
 * The texts of `paths`, read by blob id where the reader can (no lookups
 * through the trees of a commit whose apps/ holds 10,000 entries), by path
 * otherwise. Missing files are absent.
 */
export async function readTexts(params: {
  git: GitReader;
  commit: string;
  blobs: Blobs;
  paths: readonly string[];
}): Promise<Map<string, string>> {
  const { git, blobs, paths } = params;
  if (paths.length === 0) return new Map();
  const ids = paths.map((path) => blobs.get(path) ?? "");
  if (!git.readBlobs || ids.some((id) => id === "")) {
    return git.readFiles({ ref: params.commit, paths });
  }
  const byId = await git.readBlobs(ids);
  const texts = new Map<string, string>();
  paths.forEach((path, index) => {
    const text = byId.get(ids[index] ?? "");
    if (text !== undefined) texts.set(path, text);
  });
  return texts;
}

/** Per-file overhead of a cache entry beyond its text: the key, the map entry, the text's object. */
const ENTRY_BYTES = 256;

/**
 * An adopted repository (one with a layout file), read whole: discovery
 * rules may span files, so every rule sees the whole commit. Each unchanged
 * blob's text comes from `cache` instead of Git.
 */
export async function readAdoptedSnapshot(params: {
  git: GitReader;
  commit: string;
  blobs: Blobs;
  layoutFile: string;
  cache: ParseCache;
  onProgress?: (message: string) => void;
}): Promise<RepoSnapshot & { discovery: DiscoverySummary }> {
  const { git, commit, blobs, cache } = params;
  const read = async (wanted: readonly string[]): Promise<ReadonlyMap<string, string>> => {
    const files = new Map<string, string>();
    const missing: string[] = [];
    for (const path of wanted) {
      const blob = blobs.get(path);
      const text = blob === undefined ? undefined : cache.get<string>("text", path, blob);
      if (text === undefined) missing.push(path);
      else files.set(path, text);
    }
    for (const [path, text] of await readTexts({ git, commit, blobs, paths: missing })) {
      files.set(path, text);
      const blob = blobs.get(path);
      if (blob !== undefined) cache.set("text", path, blob, text, ENTRY_BYTES + text.length * 2);
    }
    return files;
  };
  const adopted = await readAdoptedRepository({
    layoutFile: params.layoutFile,
    paths: [...blobs.keys()],
    read,
    onProgress: params.onProgress,
  });
  if (!adopted.ok) {
    const { file, line, column, message } = adopted.error;
    throw new GantryError("unprocessable", `${file}:${line}:${column}: ${message}`);
  }
  return {
    commit,
    ...adopted.value.snapshot,
    discovery: summariseDiscovery(params.layoutFile, adopted.value.discovery),
  };
}

/** The files of one convention app the catalogue reads: app.yaml and each values.yaml. */
export function conventionFiles(app: RepositoryLayout["apps"][number]): string[] {
  return [...(app.manifestPath ? [app.manifestPath] : []), ...app.valuesPaths.values()];
}

/** Problems in the paths themselves; `only` keeps those of these apps (null: all of them). */
export function layoutProblems(
  layout: RepositoryLayout,
  only: ReadonlySet<string> | null,
): ImportProblemInput[] {
  return layout.problems
    .filter((problem) => only === null || (problem.app !== null && only.has(problem.app)))
    .map((problem) => ({
      applicationSlug: problem.app,
      file: problem.file,
      line: null,
      column: null,
      message: problem.message,
    }));
}

/**
 * environments.yaml of a convention repository. Only a missing or broken
 * environments.yaml stops the import, because without it no values file can
 * be placed.
 */
export async function readConventionEnvironments(params: {
  git: GitReader;
  commit: string;
  blobs: Blobs;
  layout: RepositoryLayout;
}): Promise<RepoSnapshot["environments"]> {
  const path = params.layout.environmentsPath;
  if (!path) {
    throw new GantryError(
      "unprocessable",
      "environments.yaml is missing at the root of the repository: it lists the environments in delivery order",
    );
  }
  const text = (await readTexts({ ...params, paths: [path] })).get(path);
  if (text === undefined) throw new GantryError("unprocessable", `${path} could not be read`);
  const parsed = parseEnvironments(text, path);
  if (!parsed.ok) {
    const { file, line, column, message } = parsed.error;
    throw new GantryError("unprocessable", `${file}:${line}:${column}: ${message}`);
  }
  return parsed.value.environments.map((environment, position) => ({
    name: environment.name,
    displayName: environment.displayName,
    description: environment.description ?? "",
    position,
    policy: environment.policy,
    clusters: environment.clusters.map((cluster) => ({
      name: cluster.name,
      region: cluster.region ?? null,
      provider: cluster.provider ?? null,
    })),
  }));
}

/**
 * Gantry's own convention, for some of its applications: each app from its
 * app.yaml and values files in `texts`. Each app depends on its own files
 * and on the environments and charts alone, which is what lets an import
 * read a few apps, or a slice at a time. A file that cannot be used becomes
 * a located problem on its app and the rest goes on.
 */
export function conventionApplications(params: {
  apps: RepositoryLayout["apps"];
  texts: ReadonlyMap<string, string>;
  environmentNames: ReadonlySet<string>;
  charts: ReadonlySet<string>;
  versionPath: string;
}): { applications: SnapshotApplication[]; problems: ImportProblemInput[] } {
  const { texts, environmentNames, charts, versionPath } = params;
  const applications: SnapshotApplication[] = [];
  const problems: ImportProblemInput[] = [];
  for (const app of params.apps) {
    if (!app.manifestPath) {
      problems.push({
        applicationSlug: app.slug,
        file: `apps/${app.slug}/app.yaml`,
        line: null,
        column: null,
        message: "the application directory has no app.yaml; it is not imported",
      });
      continue;
    }
    // A missing file parses as empty, as it always did.
    const manifest = parseAppManifest(texts.get(app.manifestPath) ?? "", app.manifestPath);
    if (!manifest.ok) {
      problems.push({ applicationSlug: app.slug, ...manifest.error });
      continue;
    }
    if (!charts.has(manifest.value.chart)) {
      problems.push({
        applicationSlug: app.slug,
        file: app.manifestPath,
        line: null,
        column: null,
        message: `chart "${manifest.value.chart}" does not exist under charts/`,
      });
    }
    const snapshotApp: SnapshotApplication = {
      slug: app.slug,
      name: manifest.value.name,
      description: manifest.value.description,
      team: manifest.value.team,
      tier: manifest.value.tier,
      chart: manifest.value.chart,
      links: manifest.value.links,
      labels: manifest.value.labels,
      targets: [],
      unreadableEnvironments: [],
    };
    for (const [environment, valuesPath] of [...app.valuesPaths].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      if (!environmentNames.has(environment)) {
        problems.push({
          applicationSlug: app.slug,
          file: valuesPath,
          line: null,
          column: null,
          message: `environment "${environment}" is not listed in environments.yaml`,
        });
        continue;
      }
      // An empty version (`tag: ""`, `null`, `~`) is the chart's default, promotable like any
      // other; a missing key stays a located problem.
      const version = readCurrentVersion(texts.get(valuesPath) ?? "", valuesPath, versionPath);
      if (version.ok) {
        snapshotApp.targets.push({
          environment,
          valuesPath,
          locators: [{ kind: "yaml", file: valuesPath, path: versionPath }],
          version: version.value,
        });
      } else {
        problems.push({ applicationSlug: app.slug, ...version.error });
        snapshotApp.unreadableEnvironments.push(environment);
      }
    }
    applications.push(snapshotApp);
  }
  return { applications, problems };
}
