import path from "node:path/posix";
import { formatKeyPath } from "@/lib/gitops-repo/key-path";
import { DEFAULT_FLUX_OVERLAY, type FluxRule } from "@/lib/gitops-repo/layout-file";
import type { VersionLocator } from "@/lib/gitops-repo/locator";
import type { OverridePlace } from "@/lib/gitops-repo/override";
import { isSlug, SLUG_RULE } from "@/lib/gitops-repo/paths";
import {
  type Data,
  isRecord,
  list,
  readAllYamlDocuments,
  readYamlData,
  record,
  valueAt,
} from "./files";
import { EVERY_RELEASE, inlineVersionPatches } from "./flux-inline-patches";
import { type FluxOverlay, overlaysFromKustomizations } from "./flux-kustomizations";
import { type Deployed, decidingImageEntry, kustomizationTree } from "./kustomization-tree";
import { compileTemplate } from "./template";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

const CHART_VERSION = "spec.chart.spec.version";

interface Release {
  name: string;
  file: string;
  data: Data;
  /** The file holds only this document, so a key path in it is editable. */
  alone: boolean;
}

/**
 * `flux`: what Flux deploys per environment, as the Flux examples lay it
 * out. Each environment has an overlay: found by its path (`template`,
 * `apps/{env}/kustomization.yaml` by default), or by following the
 * `spec.path` of the Flux Kustomization objects (`kustomizations`). The
 * overlay lists a base and patches it. Two kinds of app are found there:
 *
 * - HelmReleases (helm.toolkit.fluxcd.io v2): the locator points at the
 *   file that decides the version in that environment, the overlay's patch
 *   when it sets the key, else the base. The chart version
 *   (`spec.chart.spec.version`, often a range) moves with the tag.
 *   `valuesFrom` (a ConfigMap or Secret) is reported as not editable.
 * - Plain manifests whose image a kustomization.yaml `images:` entry pins
 *   (`newTag`, `digest`): the overlay's entry when it sets the version,
 *   else the nearest base's. The app is named after the image's last path
 *   segment, or the `{app}` of the overlay's path or object name.
 */
export function fluxDiscoverer(rule: FluxRule): Discoverer {
  const overlayTemplate =
    rule.kustomizations === undefined
      ? compileTemplate(rule.template ?? DEFAULT_FLUX_OVERLAY)
      : null;
  return {
    label:
      rule.kustomizations === undefined
        ? `flux ${rule.template ?? DEFAULT_FLUX_OVERLAY}`
        : `flux Kustomizations in ${rule.kustomizations}`,
    // Bases and patches live beside the overlays: every YAML file is read.
    filesToRead: (paths) =>
      paths.filter((file) => /\.ya?ml$/.test(file) || path.basename(file) === "Kustomization"),
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
      const { kustomizationIn, manifestsUnder, deployedBy } = kustomizationTree({
        paths,
        files,
        problems,
      });

      const overlays: FluxOverlay[] = [];
      if (overlayTemplate) {
        for (const overlay of paths) {
          const captures = overlayTemplate.match(overlay);
          if (!captures) continue;
          overlays.push({
            environment: captures.env ?? "",
            captures,
            dir: path.dirname(overlay),
            kustomization: overlay,
            declaredIn: overlay,
          });
        }
      } else {
        const found = overlaysFromKustomizations({ rule, paths, files, kustomizationIn });
        overlays.push(...found.overlays);
        problems.push(...found.problems);
      }

      for (const overlay of overlays) {
        const { dir } = overlay;
        let kustomization: Data = {};
        let deployed: Deployed;
        if (overlay.kustomization === null) {
          deployed = { manifests: manifestsUnder(dir), kustomizations: [] };
        } else {
          const data = readYamlData(overlay.kustomization, files.get(overlay.kustomization));
          if (!data.ok) {
            problems.push({ app: null, ...data.error });
            continue;
          }
          kustomization = record(data.value);
          deployed = deployedBy(overlay.kustomization);
        }
        const patchFiles = [
          ...list(kustomization.patches).map((p) => record(p).path),
          ...list(kustomization.patchesStrategicMerge),
        ].flatMap((p) => (typeof p === "string" ? [path.normalize(path.join(dir, p))] : []));
        const patchSet = new Set(patchFiles);
        const patches = new Map<string, Release>();
        for (const file of patchFiles.filter((f) => tree.has(f))) {
          for (const release of releasesIn(file)) patches.set(release.name, release);
        }
        const keys = [rule.version, CHART_VERSION];
        const inline = new Map([
          ...(overlay.kustomization === null
            ? []
            : inlineVersionPatches({
                patches: kustomization.patches,
                file: overlay.kustomization,
                at: "patches",
                keys,
              })),
          ...(overlay.object === undefined
            ? []
            : inlineVersionPatches({
                patches: overlay.object.patches,
                file: overlay.object.file,
                at: "spec.patches",
                keys,
              })),
        ]);
        const releaseApps = new Set<string>();
        for (const base of deployed.manifests.filter((f) => !patchSet.has(f)).flatMap(releasesIn)) {
          releaseApps.add(base.name);
          const patchedAt = inline.get(base.name) ?? inline.get(EVERY_RELEASE);
          if (patchedAt !== undefined) {
            problems.push({
              app: isSlug(base.name) ? base.name : null,
              file: patchedAt.file,
              line: null,
              column: null,
              message: `HelmRelease ${base.name}'s version in ${overlay.environment} is set by an inline patch (${patchedAt.where}), which Gantry does not edit; move the patch to a file of its own (patches: - path: …) to promote it here`,
            });
            continue;
          }
          const cell = releaseCell(base, patches.get(base.name), overlay);
          if (cell) cells.push(cell);
        }
        cells.push(...imageCells(overlay, deployed, releaseApps));
      }
      return { cells, problems };

      function releaseCell(
        base: Release,
        patch: Release | undefined,
        overlay: FluxOverlay,
      ): DiscoveredCell | null {
        const app = base.name;
        if (!isSlug(app)) {
          problems.push({
            app: null,
            file: base.file,
            line: null,
            column: null,
            message: `HelmRelease "${app}" is not a valid app name (${SLUG_RULE}); it is skipped`,
          });
          return null;
        }
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
            locators.push({ kind: "helm-chart-version", file: chartAt.file, path: CHART_VERSION });
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
        if (locators.length === 0) return null;
        const chartFile = chartInRepository(base.data);
        const override = versionAt === base ? overridePlace(base, patch, overlay) : undefined;
        return {
          app,
          environment: overlay.environment,
          locators,
          captures: { ...overlay.captures, app },
          objectLabels: {},
          objectAnnotations: {},
          metadata: {},
          declaredIn: overlay.declaredIn,
          ...(chartFile === undefined ? {} : { chartFile }),
          ...(override === undefined ? {} : { override }),
        };
      }

      /**
       * One cell per image an `images:` entry pins, in the overlay or a base
       * it deploys: the nearest entry that sets newTag or digest decides,
       * unless the Flux Kustomization object's own `spec.images` sets it
       * (Flux applies those last). An image of an app deployed by
       * HelmRelease is that app's business.
       */
      function imageCells(
        overlay: FluxOverlay,
        deployed: Deployed,
        releaseApps: ReadonlySet<string>,
      ): DiscoveredCell[] {
        const objectImages = overlay.object?.images ?? [];
        const everyName = [
          ...new Set([
            ...objectImages.map((i) => i.name),
            ...deployed.kustomizations.flatMap((k) => k.images.map((i) => i.name)),
          ]),
        ];
        const named = overlay.captures.app;
        // One app's overlay: the image it (or its Flux object) pins is the app's,
        // not the sidecars its bases also pin.
        const own = [
          ...new Set([
            ...objectImages.map((i) => i.name),
            ...(overlay.kustomization === null
              ? []
              : (deployed.kustomizations[0]?.images ?? []).map((i) => i.name)),
          ]),
        ];
        const names = named !== undefined && own.length > 0 ? own : everyName;
        if (named !== undefined && names.length > 1) {
          problems.push({
            app: named,
            file: overlay.kustomization ?? overlay.declaredIn,
            line: null,
            column: null,
            message: `${named} deploys ${names.length} images pinned in images: (${names.join(", ")}), so which is its version is not known: pin ${named}'s image in the overlay's own images:, or leave {app} out of the rule so that each image is an app of its own`,
          });
          return [];
        }
        return names.flatMap((image) => {
          const fromObject = objectImages.find((i) => i.name === image);
          const deciding = decidingImageEntry(deployed.kustomizations, image);
          const app = named ?? image.split("/").pop() ?? "";
          if (releaseApps.has(app)) return [];
          const problem = (file: string, message: string, about: string | null = app) =>
            problems.push({ app: about, file, line: null, column: null, message });
          if (!isSlug(app)) {
            problem(
              deciding?.file ?? overlay.declaredIn,
              `"${app}" (from image ${image}) is not a valid app name (${SLUG_RULE}); it is skipped`,
              null,
            );
            return [];
          }
          let locator: VersionLocator;
          if (fromObject?.setsVersion || (fromObject && !deciding)) {
            const object = overlay.object;
            if (!object?.alone) {
              problem(
                overlay.declaredIn,
                `${overlay.declaredIn} holds several documents, and its Kustomization sets ${image} in spec.images; move that Kustomization to a file of its own to promote ${app} here`,
              );
              return [];
            }
            locator = {
              kind: "yaml",
              file: object.file,
              path: formatKeyPath([
                { kind: "key", key: "spec" },
                { kind: "key", key: "images" },
                { kind: "select", field: "name", value: image },
                { kind: "key", key: "newTag" },
              ]),
            };
          } else if (deciding) {
            const newName = fromObject?.newName ?? deciding.newName;
            locator = {
              kind: "kustomize-image",
              file: deciding.file,
              image,
              ...(newName === undefined ? {} : { newName }),
            };
          } else {
            return [];
          }
          return [
            {
              app,
              environment: overlay.environment,
              locators: [locator],
              captures: { ...overlay.captures, app },
              objectLabels: {},
              objectAnnotations: {},
              metadata: {},
              declaredIn: overlay.declaredIn,
            },
          ];
        });
      }

      /**
       * Where the overlay would set the version itself when the base decides
       * it: the overlay's patch of this HelmRelease, or a new patch beside
       * the overlay's kustomization.yaml.
       */
      function overridePlace(
        base: Release,
        patch: Release | undefined,
        overlay: FluxOverlay,
      ): OverridePlace {
        if (patch) {
          return patch.alone
            ? { kind: "file", file: patch.file }
            : {
                kind: "none",
                reason: `${patch.file} holds several documents; move the HelmRelease ${base.name} patch to a file of its own`,
              };
        }
        const kustomization = overlay.kustomization;
        if (kustomization === null) {
          // Flux applies every manifest under the directory: a patch file there would be a resource.
          return {
            kind: "none",
            reason: `${overlay.dir} has no kustomization.yaml to list a patch in; add one that lists its resources and a patch of the HelmRelease ${base.name}`,
          };
        }
        const file = path.join(overlay.dir, `${base.name}-version.yaml`);
        if (tree.has(file)) {
          return {
            kind: "none",
            reason: `${file} exists but ${kustomization} does not list it in its patches`,
          };
        }
        const metadata = record(base.data.metadata);
        return {
          kind: "new-patch",
          file,
          patch: {
            kustomization,
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
