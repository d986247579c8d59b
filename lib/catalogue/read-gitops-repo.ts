import { GantryError } from "@/lib/errors";
import type { GitReader } from "@/lib/git/provider";
import { parseAppManifest } from "@/lib/gitops-repo/app-manifest";

import { parseEnvironments } from "@/lib/gitops-repo/environments";
import { LAYOUT_FILE } from "@/lib/gitops-repo/layout-file";
import { describeLayout } from "@/lib/gitops-repo/paths";
import { readVersion } from "@/lib/gitops-repo/version";
import { readAdoptedRepository } from "./read-adopted-repository";
import type { ImportProblemInput, RepoSnapshot, SnapshotApplication } from "./snapshot";

/**
 * Reads the GitOps repository at one commit into a snapshot. With a layout
 * file (gantry.yaml), its discovery rules say where apps and versions are;
 * without one, Gantry's own convention applies, read as it always was.
 */
export async function readGitopsRepo(params: {
  git: GitReader;
  commit: string;
  versionPath: string;
  /** The layout file's path; LAYOUT_FILE (gantry.yaml) unless GANTRY_LAYOUT_FILE says otherwise. */
  layoutFile?: string;
  onProgress?: (message: string) => void;
}): Promise<RepoSnapshot> {
  const { git, commit } = params;
  const tree = await git.listTree({ ref: commit, recursive: true });
  const paths = tree.filter((entry) => entry.type === "file").map((entry) => entry.path);
  const layoutFile = params.layoutFile ?? LAYOUT_FILE;
  if (paths.includes(layoutFile)) {
    const adopted = await readAdoptedRepository({
      layoutFile,
      paths,
      read: (wanted) => git.readFiles({ ref: commit, paths: wanted }),
      onProgress: params.onProgress,
    });
    if (!adopted.ok) {
      const { file, line, column, message } = adopted.error;
      throw new GantryError("unprocessable", `${file}:${line}:${column}: ${message}`);
    }
    return { commit, ...adopted.value.snapshot };
  }
  return readConventionRepo({ ...params, paths });
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
  onProgress?: (message: string) => void;
}): Promise<RepoSnapshot> {
  const { git, commit, versionPath } = params;
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
  const paths = [layout.environmentsPath];
  for (const app of layout.apps) {
    if (app.manifestPath) paths.push(app.manifestPath);
    paths.push(...app.valuesPaths.values());
  }
  params.onProgress?.(`reading ${paths.length} files of ${layout.apps.length} applications`);
  const files = await git.readFiles({ ref: commit, paths });

  const environmentsFile = parseEnvironments(
    files.get(layout.environmentsPath) ?? "",
    layout.environmentsPath,
  );
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
    const manifest = parseAppManifest(files.get(app.manifestPath) ?? "", app.manifestPath);
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
      const version = readVersion(files.get(valuesPath) ?? "", valuesPath, versionPath);
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
