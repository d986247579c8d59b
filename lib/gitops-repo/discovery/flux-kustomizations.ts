import path from "node:path/posix";
import type { FluxRule } from "@/lib/gitops-repo/layout-file";
import { readAllYamlDocuments, record } from "./files";
import { imagesOf, type KustomizeImage } from "./kustomize-images";
import { compileTemplate } from "./template";
import type { DiscoveryProblem } from "./types";

/** The directory Flux deploys for one environment, read as an overlay over its bases. */
export interface FluxOverlay {
  environment: string;
  /** Placeholders matched by the overlay's path, or by the Flux object's file and name. */
  captures: Record<string, string>;
  dir: string;
  /** Its kustomization.yaml; null when Flux generates one from every manifest under `dir`. */
  kustomization: string | null;
  /** The file that says this environment deploys the overlay, for conflicts and reports. */
  declaredIn: string;
  /**
   * The Flux object itself, when the overlay was found through one: its
   * `spec.images` and `spec.patches`, which Flux applies over everything the
   * overlay builds; `alone` when the object is the only document of its
   * file (so a key path in it is editable).
   */
  object?: { file: string; alone: boolean; images: KustomizeImage[]; patches: unknown };
}

const FLUX_KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/";

/**
 * The overlays the Flux Kustomization objects (kustomize.toolkit.fluxcd.io)
 * of a flux rule's `kustomizations` files deploy: each object's `spec.path`,
 * relative to the root of its GitRepository, is the directory Flux builds,
 * from its kustomization.yaml or, when it has none, from every manifest
 * under it. The environment is the {env} of the object's file path or of
 * its name (`kustomizationName`).
 */
export function overlaysFromKustomizations(params: {
  rule: FluxRule;
  paths: readonly string[];
  files: ReadonlyMap<string, string>;
  kustomizationIn: (dir: string) => string | undefined;
}): { overlays: FluxOverlay[]; problems: DiscoveryProblem[] } {
  const { rule, paths, files } = params;
  const overlays: FluxOverlay[] = [];
  const problems: DiscoveryProblem[] = [];
  if (rule.kustomizations === undefined) return { overlays, problems };
  const fileTemplate = compileTemplate(rule.kustomizations);
  const nameTemplate =
    rule.kustomizationName === undefined ? null : compileTemplate(rule.kustomizationName);
  const dirs = new Set(paths.flatMap((file) => ancestors(file)));

  for (const file of paths) {
    const fromPath = fileTemplate.match(file);
    if (!fromPath) continue;
    const read = readAllYamlDocuments(file, files.get(file));
    if (!read.ok) {
      problems.push({ app: null, ...read.error });
      continue;
    }
    for (const doc of read.documents) {
      const object = record(doc);
      if (object.kind !== "Kustomization") continue;
      if (!String(object.apiVersion ?? "").startsWith(FLUX_KUSTOMIZE_API)) continue;
      const name = String(record(object.metadata).name ?? "");
      const fromName = nameTemplate ? nameTemplate.match(name) : {};
      if (!fromName) continue;
      const problem = (message: string) =>
        problems.push({
          app: null,
          file,
          line: null,
          column: null,
          message: `Kustomization ${name}: ${message}`,
        });
      const spec = record(object.spec);
      const sourceKind = record(spec.sourceRef).kind;
      if (sourceKind !== undefined && sourceKind !== "GitRepository") {
        problem(
          `its source is a ${String(sourceKind)}, not this repository's files; it is skipped`,
        );
        continue;
      }
      if (typeof spec.path !== "string" || spec.path.trim() === "") {
        problem("has no spec.path; Gantry follows a Kustomization only to the directory it names");
        continue;
      }
      const dir = path.normalize(spec.path.trim().replace(/^\/+/, "")).replace(/\/+$/, "");
      if (dir === ".." || dir.startsWith("../")) {
        problem(`spec.path ${spec.path} is outside the repository; it is skipped`);
        continue;
      }
      if (!dirs.has(dir)) {
        problem(`spec.path ${spec.path} is not a directory of this repository; it is skipped`);
        continue;
      }
      const captures = { ...fromPath, ...fromName };
      overlays.push({
        environment: captures.env ?? "",
        captures,
        dir,
        kustomization: params.kustomizationIn(dir) ?? null,
        declaredIn: file,
        object: {
          file,
          alone: read.documents.length === 1,
          images: imagesOf(spec),
          patches: spec.patches,
        },
      });
    }
  }
  return { overlays, problems };
}

/** `a/b/c.yaml` → `.`, `a`, `a/b`. */
function ancestors(file: string): string[] {
  const parts = file.split("/").slice(0, -1);
  return [".", ...parts.map((_, index) => parts.slice(0, index + 1).join("/"))];
}
