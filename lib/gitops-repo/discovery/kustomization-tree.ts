import path from "node:path/posix";
import { list, readYamlData, record } from "./files";
import { imagesOf, type KustomizeImage } from "./kustomize-images";
import type { DiscoveryProblem } from "./types";

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** A kustomization file by its name (kustomize reads these three). */
export function isKustomizationFile(file: string): boolean {
  return KUSTOMIZATION_FILES.includes(path.basename(file));
}

/** What a kustomization deploys: its manifests, and every kustomization on the way, nearest first. */
export interface Deployed {
  manifests: string[];
  kustomizations: { file: string; images: KustomizeImage[] }[];
}

/** Bases of bases are followed this deep; deeper (or circular) ones are not read. */
const MAX_DEPTH = 5;

/**
 * Reads kustomizations over one commit's files as kustomize builds them:
 * `resources:` entries are manifests, or directories whose kustomization is
 * read in turn (or, without one, every manifest under them, as Flux does).
 */
export function kustomizationTree(params: {
  paths: readonly string[];
  files: ReadonlyMap<string, string>;
  problems: DiscoveryProblem[];
}) {
  const { paths, files, problems } = params;
  const tree = new Set(paths);
  const kustomizationIn = (dir: string): string | undefined =>
    KUSTOMIZATION_FILES.map((name) => path.join(dir, name)).find((f) => tree.has(f));
  const manifestsUnder = (dir: string): string[] =>
    paths.filter((f) => (dir === "." || f.startsWith(`${dir}/`)) && /\.ya?ml$/.test(f));
  const deployedBy = (file: string, depth = 0): Deployed => {
    const deployed: Deployed = { manifests: [], kustomizations: [] };
    if (depth > MAX_DEPTH) return deployed;
    const data = readYamlData(file, files.get(file));
    if (!data.ok) {
      // The caller reads (and reports) the kustomization it starts from.
      if (depth > 0) problems.push({ app: null, ...data.error });
      return deployed;
    }
    deployed.kustomizations.push({ file, images: imagesOf(data.value) });
    const dir = path.dirname(file);
    for (const entry of list(record(data.value).resources)) {
      if (typeof entry !== "string") continue;
      const target = path.normalize(path.join(dir, entry));
      if (tree.has(target)) {
        deployed.manifests.push(target);
        continue;
      }
      const kustomization = kustomizationIn(target);
      const inner = kustomization
        ? deployedBy(kustomization, depth + 1)
        : { manifests: manifestsUnder(target), kustomizations: [] };
      deployed.manifests.push(...inner.manifests);
      deployed.kustomizations.push(...inner.kustomizations);
    }
    return deployed;
  };
  return { kustomizationIn, manifestsUnder, deployedBy };
}

/**
 * The entry that decides an image's version among the kustomizations that
 * deploy it, nearest first: the first that sets newTag or digest (else the
 * nearest that lists it), with the newName the image is pulled as.
 */
export function decidingImageEntry(
  kustomizations: Deployed["kustomizations"],
  image: string,
): { file: string; newName?: string } | null {
  const entries = kustomizations.flatMap((k) =>
    k.images.filter((i) => i.name === image).map((entry) => ({ file: k.file, entry })),
  );
  const deciding = entries.find((e) => e.entry.setsVersion) ?? entries[0];
  if (!deciding) return null;
  const newName = entries.find((e) => e.entry.newName !== undefined)?.entry.newName;
  return { file: deciding.file, ...(newName === undefined ? {} : { newName }) };
}
