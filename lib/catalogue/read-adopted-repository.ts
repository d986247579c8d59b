import { chartDefaultVersion } from "@/lib/gitops-repo/chart";
import type { Discovery } from "@/lib/gitops-repo/discovery/discover";
import { discoverApplications } from "@/lib/gitops-repo/discovery/discover";
import { usableText } from "@/lib/gitops-repo/discovery/files";
import { type EnvironmentsFile, parseEnvironments } from "@/lib/gitops-repo/environments";
import { type LayoutFile, parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import type { LocatedError } from "@/lib/gitops-repo/located";
import { readLocator } from "@/lib/gitops-repo/locator";
import { isSlug } from "@/lib/gitops-repo/paths";
import type { ImportProblemInput, RepoSnapshot, SnapshotApplication } from "./snapshot";

type Read = (paths: readonly string[]) => Promise<ReadonlyMap<string, string>>;

export interface AdoptedRepository {
  layout: LayoutFile;
  discovery: Discovery;
  snapshot: Omit<RepoSnapshot, "commit">;
}

/**
 * A repository Gantry did not lay out, read through its layout file: the
 * environments (inline, or from the file it names), then every discovery
 * rule, then each cell's version through its first locator. Only a broken
 * layout or environments file stops the import (nothing can be placed
 * without them); any other bad file is one problem on one app.
 */
export async function readAdoptedRepository(params: {
  layoutFile: string;
  /** The layout's text when it is not a file of the repository (a preview of the convention). */
  layoutText?: string;
  paths: readonly string[];
  read: Read;
  onProgress?: (message: string) => void;
}): Promise<{ ok: true; value: AdoptedRepository } | { ok: false; error: LocatedError }> {
  const { layoutFile, paths, read } = params;
  const layoutText = usableText(
    layoutFile,
    params.layoutText ?? (await read([layoutFile])).get(layoutFile),
  );
  if (!layoutText.ok) return layoutText;
  const layout = parseLayoutFile(layoutText.text, layoutFile);
  if (!layout.ok) return layout;

  const environments = await environmentsOf(layout.value, layoutFile, paths, read);
  if (!environments.ok) return environments;

  const discovery = await discoverApplications({
    layout: layout.value,
    environments: environments.value,
    paths,
    read,
  });
  const versionFiles = [
    ...new Set(
      discovery.applications.flatMap((app) =>
        app.targets.flatMap((target) => [
          ...target.locators.map((locator) => locator.file),
          ...(target.chartFile === undefined ? [] : [target.chartFile]),
        ]),
      ),
    ),
  ];
  params.onProgress?.(
    `reading ${versionFiles.length} files of ${discovery.applications.length} applications`,
  );
  // Most rules read these files already (to find the apps): only the others are asked for.
  const files = new Map(discovery.files);
  const missing = versionFiles.filter((file) => !files.has(file));
  if (missing.length > 0) for (const [file, text] of await read(missing)) files.set(file, text);

  const problems: ImportProblemInput[] = discovery.problems.map((problem) => ({
    applicationSlug: problem.app,
    file: problem.file,
    line: problem.line,
    column: problem.column,
    message: problem.message,
  }));
  const applications: SnapshotApplication[] = discovery.applications.map((app) => {
    const snapshotApp: SnapshotApplication = {
      slug: app.slug,
      name: app.name,
      description: app.description,
      team: app.team,
      tier: app.tier,
      chart: app.chart,
      links: app.links,
      labels: app.labels,
      targets: [],
      unreadableEnvironments: [...app.blockedEnvironments],
    };
    for (const target of app.targets) {
      const [first] = target.locators;
      if (!first) continue;
      const text = usableText(first.file, files.get(first.file));
      const version = text.ok ? readLocator(text.text, first) : text;
      if (!version.ok) {
        problems.push({ applicationSlug: app.slug, ...version.error });
        snapshotApp.unreadableEnvironments.push(target.environment);
        continue;
      }
      snapshotApp.targets.push({
        environment: target.environment,
        valuesPath: first.file,
        locators: target.locators,
        // `tag: ""` means the chart's appVersion, when the chart is here to say it.
        version: version.value ?? chartDefaultVersion(target.chartFile, files),
        ...(target.override === undefined ? {} : { override: target.override }),
      });
    }
    return snapshotApp;
  });

  // Apps a rule saw but could not read are still in Git: they are not archived.
  const slugsInGit = new Set(applications.map((app) => app.slug));
  for (const problem of discovery.problems) {
    if (problem.app !== null && isSlug(problem.app)) slugsInGit.add(problem.app);
  }
  return {
    ok: true,
    value: {
      layout: layout.value,
      discovery,
      snapshot: {
        environments: environments.snapshot,
        applications,
        slugsInGit: [...slugsInGit].sort(),
        problems,
      },
    },
  };
}

/** The environments in delivery order: listed in gantry.yaml, or in the environments file it names. */
async function environmentsOf(
  layout: LayoutFile,
  layoutFile: string,
  paths: readonly string[],
  read: Read,
): Promise<
  | {
      ok: true;
      value: { name: string; aliases: string[] }[];
      snapshot: RepoSnapshot["environments"];
    }
  | { ok: false; error: LocatedError }
> {
  let listed: { environment: EnvironmentsFile["environments"][number]; aliases: string[] }[];
  if (layout.environments) {
    listed = layout.environments.map(({ aliases, ...environment }) => ({ environment, aliases }));
  } else {
    const file = layout.environmentsFile;
    if (!paths.includes(file)) {
      return {
        ok: false,
        error: {
          file: layoutFile,
          line: 1,
          column: 1,
          message: `the environments are not listed here (environments:) and ${file} does not exist`,
        },
      };
    }
    const text = usableText(file, (await read([file])).get(file));
    const parsed = text.ok ? parseEnvironments(text.text, file) : text;
    if (!parsed.ok) return parsed;
    listed = parsed.value.environments.map((environment) => ({ environment, aliases: [] }));
  }
  return {
    ok: true,
    value: listed.map(({ environment, aliases }) => ({ name: environment.name, aliases })),
    snapshot: listed.map(({ environment }, position) => ({
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
    })),
  };
}
