import { GantryError } from "@/lib/errors";
import type { GitReader } from "@/lib/git/provider";
import { parseAppManifest } from "@/lib/gitops-repo/app-manifest";

import { parseEnvironments } from "@/lib/gitops-repo/environments";
import { LAYOUT_FILE } from "@/lib/gitops-repo/layout-file";
import { describeLayout } from "@/lib/gitops-repo/paths";
import { readCurrentVersion } from "@/lib/gitops-repo/version";
import { ParseCache } from "./parse-cache";
import { readAdoptedRepository } from "./read-adopted-repository";
import type { ImportProblemInput, RepoSnapshot, SnapshotApplication } from "./snapshot";

/**
 * Reads the GitOps repository at one commit into a snapshot. With a layout
 * file (gantry.yaml), its discovery rules say where apps and versions are;
 * without one, Gantry's own convention applies, read as it always was.
 *
 * The file list (paths and blob ids, one `ls-tree`) is read whole every
 * time, so rules that span files see the whole repository; the files
 * themselves are read and parsed only when their blob is not in `cache`.
 */
export async function readGitopsRepo(params: {
  git: GitReader;
  commit: string;
  versionPath: string;
  /** The layout file's path; LAYOUT_FILE (gantry.yaml) unless GANTRY_LAYOUT_FILE says otherwise. */
  layoutFile?: string;
  /** What earlier reads parsed; nothing is kept when not given. */
  cache?: ParseCache;
  onProgress?: (message: string) => void;
}): Promise<RepoSnapshot> {
  const { git, commit } = params;
  const cache = params.cache ?? new ParseCache(0);
  const tree = await git.listTree({ ref: commit, recursive: true });
  const blobs = new Map<string, string | undefined>();
  for (const entry of tree) if (entry.type === "file") blobs.set(entry.path, entry.sha);
  const paths = [...blobs.keys()];
  const layoutFile = params.layoutFile ?? LAYOUT_FILE;
  if (blobs.has(layoutFile)) {
    const adopted = await readAdoptedRepository({
      layoutFile,
      paths,
      read: (wanted) => readThroughCache({ git, commit, blobs, cache, paths: wanted }),
      onProgress: params.onProgress,
    });
    if (!adopted.ok) {
      const { file, line, column, message } = adopted.error;
      throw new GantryError("unprocessable", `${file}:${line}:${column}: ${message}`);
    }
    return { commit, ...adopted.value.snapshot };
  }
  return readConventionRepo({ ...params, paths, blobs, cache });
}

/** Per-file overhead of a cache entry beyond its text: the key, the map entry, the result object. */
const ENTRY_BYTES = 256;

/**
 * Files of an adopted repository: discovery rules read them by path, and
 * each unchanged blob's text comes from the cache instead of Git.
 */
async function readThroughCache(params: {
  git: GitReader;
  commit: string;
  blobs: ReadonlyMap<string, string | undefined>;
  cache: ParseCache;
  paths: readonly string[];
}): Promise<ReadonlyMap<string, string>> {
  const { blobs, cache } = params;
  const files = new Map<string, string>();
  const missing: string[] = [];
  for (const path of params.paths) {
    const blob = blobs.get(path);
    const text = blob === undefined ? undefined : cache.get<string>("text", path, blob);
    if (text === undefined) missing.push(path);
    else files.set(path, text);
  }
  if (missing.length === 0) return files;
  for (const [path, text] of await params.git.readFiles({ ref: params.commit, paths: missing })) {
    files.set(path, text);
    const blob = blobs.get(path);
    if (blob !== undefined) cache.set("text", path, blob, text, ENTRY_BYTES + text.length * 2);
  }
  return files;
}

/** One kind of convention file: the parsed results found in the cache, and the paths still to read. */
interface Lookup<T> {
  kind: string;
  found: Map<string, T>;
  missing: string[];
}

function lookUp<T>(
  cache: ParseCache,
  blobs: ReadonlyMap<string, string | undefined>,
  kind: string,
  paths: readonly string[],
): Lookup<T> {
  const found = new Map<string, T>();
  const missing: string[] = [];
  for (const path of paths) {
    const blob = blobs.get(path);
    const hit = blob === undefined ? undefined : cache.get<T>(kind, path, blob);
    if (hit === undefined) missing.push(path);
    else found.set(path, hit);
  }
  return { kind, found, missing };
}

/**
 * Parses the files the cache did not have and keeps each result by blob id.
 * Each kind parses one file on its own (no other file changes the result),
 * which is what makes a result safe to keep by blob id. A missing file
 * parses as empty, as it always did.
 */
function parseMissing<T>(params: {
  lookup: Lookup<T>;
  texts: ReadonlyMap<string, string>;
  blobs: ReadonlyMap<string, string | undefined>;
  cache: ParseCache;
  parse: (text: string, path: string) => T;
  /** Whether the result is about the text's size (a parsed document) or small (one version). */
  keepsText: boolean;
}): Map<string, T> {
  const { lookup, cache } = params;
  for (const path of lookup.missing) {
    const text = params.texts.get(path) ?? "";
    const result = params.parse(text, path);
    lookup.found.set(path, result);
    const blob = params.blobs.get(path);
    const bytes = ENTRY_BYTES + (params.keepsText ? text.length * 2 : 0);
    if (blob !== undefined) cache.set(lookup.kind, path, blob, result, bytes);
  }
  return lookup.found;
}

/**
 * Gantry's own convention: one tree listing and one batched read of every
 * app.yaml and values.yaml. A file that cannot be used becomes a located
 * problem and the rest goes on; only a missing or broken environments.yaml
 * stops the import, because without it no values file can be placed.
 */
async function readConventionRepo(params: {
  git: GitReader;
  commit: string;
  versionPath: string;
  paths: string[];
  blobs: ReadonlyMap<string, string | undefined>;
  cache: ParseCache;
  onProgress?: (message: string) => void;
}): Promise<RepoSnapshot> {
  const { git, commit, versionPath, blobs, cache } = params;
  const layout = describeLayout(params.paths);
  const problems: ImportProblemInput[] = layout.problems.map((problem) => ({
    applicationSlug: problem.app,
    file: problem.file,
    line: null,
    column: null,
    message: problem.message,
  }));

  if (!layout.environmentsPath) {
    throw new GantryError(
      "unprocessable",
      "environments.yaml is missing at the root of the repository: it lists the environments in delivery order",
    );
  }
  const manifestPaths: string[] = [];
  const valuesPaths: string[] = [];
  for (const app of layout.apps) {
    if (app.manifestPath) manifestPaths.push(app.manifestPath);
    valuesPaths.push(...app.valuesPaths.values());
  }
  const environmentsLookup = lookUp<ReturnType<typeof parseEnvironments>>(
    cache,
    blobs,
    "environments",
    [layout.environmentsPath],
  );
  const manifestLookup = lookUp<ReturnType<typeof parseAppManifest>>(
    cache,
    blobs,
    "manifest",
    manifestPaths,
  );
  // The version path is part of the kind: the same file read at another key is another result.
  const versionLookup = lookUp<ReturnType<typeof readCurrentVersion>>(
    cache,
    blobs,
    `version:${versionPath}`,
    valuesPaths,
  );
  const missing = [
    ...environmentsLookup.missing,
    ...manifestLookup.missing,
    ...versionLookup.missing,
  ];
  params.onProgress?.(
    `reading ${missing.length} of ${1 + manifestPaths.length + valuesPaths.length} files of ${layout.apps.length} applications (the others are unchanged)`,
  );
  const texts =
    missing.length === 0
      ? new Map<string, string>()
      : await git.readFiles({ ref: commit, paths: missing });
  const common = { texts, blobs, cache };
  const environmentsFile = parseMissing({
    ...common,
    lookup: environmentsLookup,
    parse: parseEnvironments,
    keepsText: true,
  }).get(layout.environmentsPath);
  const manifests = parseMissing({
    ...common,
    lookup: manifestLookup,
    parse: parseAppManifest,
    keepsText: true,
  });
  const versions = parseMissing({
    ...common,
    lookup: versionLookup,
    // An empty version (`tag: ""`, `null`, `~`) is the chart's default, promotable like any
    // other; a missing key stays a located problem.
    parse: (text, path) => readCurrentVersion(text, path, versionPath),
    keepsText: false,
  });
  if (!environmentsFile) {
    throw new GantryError("unprocessable", `${layout.environmentsPath} could not be read`);
  }
  if (!environmentsFile.ok) {
    const { file, line, column, message } = environmentsFile.error;
    throw new GantryError("unprocessable", `${file}:${line}:${column}: ${message}`);
  }
  const environments = environmentsFile.value.environments.map((environment, position) => ({
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
  const environmentNames = new Set(environments.map((e) => e.name));
  const charts = new Set(layout.charts);

  const applications: SnapshotApplication[] = [];
  for (const app of layout.apps) {
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
    const manifest = manifests.get(app.manifestPath);
    if (!manifest) continue;
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
      const version = versions.get(valuesPath);
      if (!version) continue;
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

  return {
    commit,
    environments,
    applications,
    slugsInGit: layout.apps.map((app) => app.slug),
    problems,
  };
}
