import path from "node:path/posix";
import type { FluxRule } from "@/lib/gitops-repo/layout-file";
import type { VersionLocator } from "@/lib/gitops-repo/locator";
import type { OverridePlace } from "@/lib/gitops-repo/override";
import { isSlug, SLUG_RULE } from "@/lib/gitops-repo/paths";
import { readAllYamlDocuments, readYamlData, valueAt } from "./files";
import { compileTemplate } from "./template";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

type Data = Record<string, unknown>;
const isRecord = (value: unknown): value is Data =>
  value !== null && typeof value === "object" && !Array.isArray(value);
const record = (value: unknown): Data => (isRecord(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const CHART_VERSION = "spec.chart.spec.version";

interface Release {
  name: string;
  file: string;
  data: Data;
  /** The file holds only this document, so a key path in it is editable. */
  alone: boolean;
}

/**
 * `flux`: HelmReleases (helm.toolkit.fluxcd.io v2) laid out as a base plus
 * one overlay per environment, as the Flux examples do: `apps/base/<app>/`
 * holds the HelmRelease, `apps/<env>/kustomization.yaml` lists the base and
 * patches it. The locator points at the file that decides the version in
 * that environment: the overlay's patch when it sets the key, else the base.
 * The chart version (`spec.chart.spec.version`, often a range) moves with
 * the tag. `valuesFrom` (a ConfigMap or Secret) is reported as not editable.
 */
export function fluxDiscoverer(rule: FluxRule): Discoverer {
  const template = compileTemplate(rule.template);
  return {
    label: `flux ${rule.template}`,
    // Bases and patches live beside the overlays: every YAML file is read.
    filesToRead: (paths) => paths.filter((file) => /\.ya?ml$/.test(file)),
    discover({ paths, files }) {
      const tree = new Set(paths);
      const cells: DiscoveredCell[] = [];
      const problems: DiscoveryProblem[] = [];
      const releasesIn = (file: string): Release[] => {
        const read = readAllYamlDocuments(file, files.get(file));
        if (!read.ok) {
          problems.push({ app: null, ...read.error });
          return [];
        }
        return read.documents.flatMap((doc) => {
          if (!isRecord(doc) || doc.kind !== "HelmRelease") return [];
          const name = String(record(doc.metadata).name ?? "");
          return [{ name, file, data: doc, alone: read.documents.length === 1 }];
        });
      };
      /** The YAML files a kustomization resource names: a file, or a directory's kustomization or files. */
      const resourceFiles = (entry: string, from: string): string[] => {
        const target = path.normalize(path.join(from, entry));
        if (tree.has(target)) return [target];
        const kustomization = [`${target}/kustomization.yaml`, `${target}/kustomization.yml`].find(
          (f) => tree.has(f),
        );
        if (kustomization) return kustomizationFiles(kustomization);
        return [...tree].filter((f) => path.dirname(f) === target && /\.ya?ml$/.test(f));
      };
      const kustomizationFiles = (file: string, depth = 0): string[] => {
        if (depth > 5) return [];
        const data = readYamlData(file, files.get(file));
        if (!data.ok) return [];
        const dir = path.dirname(file);
        return list(record(data.value).resources).flatMap((entry) =>
          typeof entry === "string" ? resourceFiles(entry, dir) : [],
        );
      };

      for (const overlay of paths) {
        const captures = template.match(overlay);
        if (!captures) continue;
        const environment = captures.env ?? "";
        const data = readYamlData(overlay, files.get(overlay));
        if (!data.ok) {
          problems.push({ app: null, ...data.error });
          continue;
        }
        const dir = path.dirname(overlay);
        const kustomization = record(data.value);
        const bases = list(kustomization.resources).flatMap((entry) =>
          typeof entry === "string" ? resourceFiles(entry, dir) : [],
        );
        const patchFiles = [
          ...list(kustomization.patches).map((p) => record(p).path),
          ...list(kustomization.patchesStrategicMerge),
        ].flatMap((p) => (typeof p === "string" ? [path.normalize(path.join(dir, p))] : []));
        const patches = new Map<string, Release>();
        for (const file of patchFiles.filter((f) => tree.has(f))) {
          for (const release of releasesIn(file)) patches.set(release.name, release);
        }
        for (const base of bases.flatMap(releasesIn)) {
          const app = base.name;
          if (!isSlug(app)) {
            problems.push({
              app: null,
              file: base.file,
              line: null,
              column: null,
              message: `HelmRelease "${app}" is not a valid app name (${SLUG_RULE}); it is skipped`,
            });
            continue;
          }
          const patch = patches.get(app);
          const decide = (key: string): Release =>
            patch && valueAt(patch.data, key) !== undefined ? patch : base;
          const locators: VersionLocator[] = [];
          const notEditable = (release: Release) =>
            problems.push({
              app,
              file: release.file,
              line: null,
              column: null,
              message: `${release.file} holds several documents; move the HelmRelease ${app} to a file of its own to promote it here`,
            });
          const versionAt = decide(rule.version);
          const chartAt = decide(CHART_VERSION);
          if (rule.version !== CHART_VERSION) {
            if (versionAt.alone)
              locators.push({ kind: "yaml", file: versionAt.file, path: rule.version });
            else notEditable(versionAt);
          }
          if (valueAt(chartAt.data, CHART_VERSION) !== undefined) {
            if (chartAt.alone)
              locators.push({
                kind: "helm-chart-version",
                file: chartAt.file,
                path: CHART_VERSION,
              });
            else if (rule.version === CHART_VERSION) notEditable(chartAt);
          }
          for (const release of [base, patch]) {
            if (release && list(record(release.data.spec).valuesFrom).length > 0) {
              problems.push({
                app,
                file: release.file,
                line: null,
                column: null,
                message: `HelmRelease ${app} takes values from a ConfigMap or Secret (valuesFrom), which Gantry does not edit; the version shown is what ${versionAt.file} says`,
              });
            }
          }
          if (locators.length === 0) continue;
          const override =
            versionAt === base ? overridePlace(base, patch, dir, overlay) : undefined;
          const chartFile = chartInRepository(base.data);
          cells.push({
            app,
            environment,
            locators,
            captures: { ...captures, app },
            objectLabels: {},
            objectAnnotations: {},
            metadata: {},
            declaredIn: overlay,
            ...(chartFile === undefined ? {} : { chartFile }),
            ...(override === undefined ? {} : { override }),
          });
        }
      }
      return { cells, problems };

      /**
       * Where the overlay would set the version itself when the base decides
       * it: the overlay's patch of this HelmRelease, or a new patch beside
       * the overlay's kustomization.yaml.
       */
      function overridePlace(
        base: Release,
        patch: Release | undefined,
        dir: string,
        overlay: string,
      ): OverridePlace {
        if (patch) {
          return patch.alone
            ? { kind: "file", file: patch.file }
            : {
                kind: "none",
                reason: `${patch.file} holds several documents; move the HelmRelease ${base.name} patch to a file of its own`,
              };
        }
        const file = path.join(dir, `${base.name}-version.yaml`);
        if (tree.has(file)) {
          return {
            kind: "none",
            reason: `${file} exists but ${overlay} does not list it in its patches`,
          };
        }
        const metadata = record(base.data.metadata);
        return {
          kind: "new-patch",
          file,
          patch: {
            kustomization: overlay,
            apiVersion: String(base.data.apiVersion ?? "helm.toolkit.fluxcd.io/v2"),
            kind: "HelmRelease",
            name: base.name,
            namespace: typeof metadata.namespace === "string" ? metadata.namespace : null,
          },
        };
      }

      /** A chart read from a GitRepository by its path, when that path is a chart of this repository. */
      function chartInRepository(release: Data): string | undefined {
        const chartSpec = record(record(record(release.spec).chart).spec);
        if (record(chartSpec.sourceRef).kind !== "GitRepository") return undefined;
        const chart = chartSpec.chart;
        if (typeof chart !== "string") return undefined;
        const chartFile = path.normalize(path.join(chart, "Chart.yaml"));
        return tree.has(chartFile) ? chartFile : undefined;
      }
    },
  };
}
