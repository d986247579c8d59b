import { parseAppManifest } from "@/lib/gitops-repo/app-manifest";
import { describeLayout } from "@/lib/gitops-repo/paths";
import { usableText } from "./files";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

/** How reports name Gantry's own layout, also for a repository without a layout file. */
export const CONVENTION_LABEL = "convention apps/{app}/envs/{env}/values.yaml";

/**
 * `convention`: Gantry's own layout (apps/<app>/app.yaml and
 * apps/<app>/envs/<env>/values.yaml), for a gantry.yaml that adds other
 * rules next to it. app.yaml gives the metadata.
 */
export function conventionDiscoverer(rule: { version: string }): Discoverer {
  return {
    label: CONVENTION_LABEL,
    filesToRead(paths) {
      const layout = describeLayout(paths);
      return layout.apps.flatMap((app) => (app.manifestPath ? [app.manifestPath] : []));
    },
    discover({ paths, files }) {
      const layout = describeLayout(paths);
      const tree = new Set(paths);
      const cells: DiscoveredCell[] = [];
      const problems: DiscoveryProblem[] = layout.problems.map((p) => ({
        app: p.app,
        file: p.file,
        line: null,
        column: null,
        message: p.message,
      }));
      for (const app of layout.apps) {
        if (!app.manifestPath) continue;
        const text = usableText(app.manifestPath, files.get(app.manifestPath));
        const manifest = text.ok ? parseAppManifest(text.text, app.manifestPath) : text;
        if (!manifest.ok) {
          problems.push({ app: app.slug, ...manifest.error });
          continue;
        }
        const chartFile = `charts/${manifest.value.chart}/Chart.yaml`;
        const chartHere = tree.has(chartFile);
        for (const [environment, file] of app.valuesPaths) {
          cells.push({
            app: app.slug,
            environment,
            locators: [{ kind: "yaml", file, path: rule.version }],
            captures: { app: app.slug, env: environment },
            objectLabels: {},
            objectAnnotations: {},
            metadata: { ...manifest.value },
            declaredIn: file,
            ...(chartHere ? { chartFile } : {}),
          });
        }
      }
      return { cells, problems };
    },
  };
}
