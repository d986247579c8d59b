import type { KustomizeRule } from "@/lib/gitops-repo/layout-file";
import { isSlug, SLUG_RULE } from "@/lib/gitops-repo/paths";
import { readYamlData } from "./files";
import { compileTemplate } from "./template";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

/** One entry of a kustomization.yaml `images:` list. */
export interface KustomizeImage {
  name: string;
  /** The image the cluster pulls instead of `name`, when the entry renames it. */
  newName?: string;
  /** The entry pins a version (`newTag` or `digest`), so it decides the version of `name`. */
  setsVersion: boolean;
}

/**
 * `kustomize`: an overlay per environment whose `images:` list pins the
 * version (`newTag`, with `digest` moving with it). The app is the
 * template's {app}, the rule's `app:`, or else each image is an app named
 * after the last segment of its name (`ghcr.io/acme/api` → `api`).
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
    filesToRead: (paths) => matches(paths).map((m) => m.path),
    discover({ paths, files }) {
      const cells: DiscoveredCell[] = [];
      const problems: DiscoveryProblem[] = [];
      for (const { path, captures } of matches(paths)) {
        const named = captures.app ?? rule.app ?? null;
        const problem = (message: string, app: string | null = named) =>
          problems.push({ app, file: path, line: null, column: null, message });
        const data = readYamlData(path, files.get(path));
        if (!data.ok) {
          problems.push({ app: named, ...data.error });
          continue;
        }
        const images = imagesOf(data.value);
        const chosen = rule.image ? images.filter((image) => image.name === rule.image) : images;
        if (chosen.length === 0) {
          problem(
            rule.image
              ? `images: has no entry named ${rule.image}; the overlay is skipped`
              : "the kustomization has no images: entry to take a version from; the overlay is skipped",
          );
          continue;
        }
        if (named !== null && chosen.length > 1) {
          problem(
            `images: lists ${chosen.length} images (${chosen.map((i) => i.name).join(", ")}); say which one is ${named}'s version with image: in gantry.yaml`,
          );
          continue;
        }
        for (const image of chosen) {
          const app = named ?? image.name.split("/").pop() ?? "";
          if (!isSlug(app)) {
            problem(
              `"${app}" (from image ${image.name}) is not a valid app name (${SLUG_RULE}); set app: in gantry.yaml`,
              null,
            );
            continue;
          }
          cells.push({
            app,
            environment: captures.env ?? "",
            locators: [
              {
                kind: "kustomize-image",
                file: path,
                image: image.name,
                ...(image.newName === undefined ? {} : { newName: image.newName }),
              },
            ],
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

/** The `images:` entries of a kustomization, by `name` (the image as the manifests write it). */
export function imagesOf(data: unknown): KustomizeImage[] {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return [];
  const images = (data as Record<string, unknown>).images;
  if (!Array.isArray(images)) return [];
  return images.flatMap((entry: unknown) => {
    if (entry === null || typeof entry !== "object") return [];
    const { name, newName, newTag, digest } = entry as Record<string, unknown>;
    if (typeof name !== "string" || name === "") return [];
    return [
      {
        name,
        ...(typeof newName === "string" && newName !== "" ? { newName } : {}),
        setsVersion: (newTag !== undefined && newTag !== null) || typeof digest === "string",
      },
    ];
  });
}
