import type { KustomizeRule } from "@/lib/gitops-repo/layout-file";
import { isSlug, SLUG_RULE } from "@/lib/gitops-repo/paths";
import { readYamlData } from "./files";
import { decidingImageEntry, isKustomizationFile, kustomizationTree } from "./kustomization-tree";
import { imagesOf } from "./kustomize-images";
import { compileTemplate } from "./template";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

/**
 * `kustomize`: an overlay per environment whose `images:` list pins the
 * version (`newTag`, with `digest` moving with it). The app is the
 * template's {app}, the rule's `app:`, or else each image is an app named
 * after the last segment of its name (`ghcr.io/acme/api` → `api`). The
 * entry that decides is the overlay's when it sets newTag or digest, else
 * that of the nearest base the overlay deploys (`resources:`); an overlay
 * that lists no image takes its bases' images.
 */
export function kustomizeDiscoverer(rule: KustomizeRule): Discoverer {
  const template = compileTemplate(rule.template);
  const matches = (paths: readonly string[]) =>
    paths.flatMap((path) => {
      const captures = template.match(path);
      return captures ? [{ path, captures }] : [];
    });
  return {
    label: `kustomize ${rule.template}`,
    // The bases' kustomizations too: a version the overlay does not set is theirs.
    filesToRead: (paths) => [
      ...new Set([...matches(paths).map((m) => m.path), ...paths.filter(isKustomizationFile)]),
    ],
    discover({ paths, files }) {
      const cells: DiscoveredCell[] = [];
      const problems: DiscoveryProblem[] = [];
      const tree = kustomizationTree({ paths, files, problems });
      for (const { path, captures } of matches(paths)) {
        const named = captures.app ?? rule.app ?? null;
        const problem = (message: string, app: string | null = named) =>
          problems.push({ app, file: path, line: null, column: null, message });
        const data = readYamlData(path, files.get(path));
        if (!data.ok) {
          problems.push({ app: named, ...data.error });
          continue;
        }
        const deployed = tree.deployedBy(path);
        const own = imagesOf(data.value).map((image) => image.name);
        const listed = [
          ...new Set(
            own.length > 0
              ? own
              : deployed.kustomizations.slice(1).flatMap((k) => k.images.map((i) => i.name)),
          ),
        ];
        const chosen = rule.image
          ? deployed.kustomizations.some((k) => k.images.some((i) => i.name === rule.image))
            ? [rule.image]
            : []
          : listed;
        if (chosen.length === 0) {
          problem(
            rule.image
              ? `images: has no entry named ${rule.image}, here or in the bases it deploys; the overlay is skipped`
              : "the kustomization and the bases it deploys have no images: entry to take a version from; the overlay is skipped",
          );
          continue;
        }
        if (named !== null && chosen.length > 1) {
          problem(
            `images: lists ${chosen.length} images (${chosen.join(", ")}); say which one is ${named}'s version with image: in gantry.yaml`,
          );
          continue;
        }
        for (const image of chosen) {
          const app = named ?? image.split("/").pop() ?? "";
          if (!isSlug(app)) {
            problem(
              `"${app}" (from image ${image}) is not a valid app name (${SLUG_RULE}); set app: in gantry.yaml`,
              null,
            );
            continue;
          }
          const deciding = decidingImageEntry(deployed.kustomizations, image);
          if (deciding === null) continue;
          cells.push({
            app,
            environment: captures.env ?? "",
            locators: [{ kind: "kustomize-image", image, ...deciding }],
            captures,
            objectLabels: {},
            objectAnnotations: {},
            metadata: {},
            declaredIn: path,
          });
        }
      }
      return { cells, problems };
    },
  };
}
