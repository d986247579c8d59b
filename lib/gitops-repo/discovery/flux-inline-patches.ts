import { type Data, readAllYamlDocuments, record, valueAt } from "./files";

/** Every HelmRelease, when a patch's target names none. */
export const EVERY_RELEASE = "*";

/**
 * The HelmReleases whose version an inline patch sets (`patches[].patch`,
 * a strategic merge or JSON 6902 patch written as a string in a
 * kustomization.yaml or a Flux Kustomization's spec.patches): release name
 * (or EVERY_RELEASE) → where the patch is. Such a patch decides the
 * version, and Gantry does not edit YAML inside a string.
 */
export function inlineVersionPatches(params: {
  patches: unknown;
  /** The file holding the patches, and their key path in it: `spec.patches`. */
  file: string;
  at: string;
  /** Key paths of the version: `spec.values.image.tag`, `spec.chart.spec.version`. */
  keys: readonly string[];
}): Map<string, { file: string; where: string }> {
  const found = new Map<string, { file: string; where: string }>();
  const entries = Array.isArray(params.patches) ? params.patches : [];
  entries.forEach((entry, index) => {
    const { patch, target } = record(entry);
    if (typeof patch !== "string") return;
    const targetKind = record(target).kind;
    if (targetKind !== undefined && targetKind !== "HelmRelease") return;
    const targetName = record(target).name;
    const read = readAllYamlDocuments(params.file, patch);
    if (!read.ok) return;
    const where = { file: params.file, where: `${params.at}[${index}].patch` };
    for (const doc of read.documents) {
      if (Array.isArray(doc)) {
        if (doc.some((op) => jsonPatchSets(record(op), params.keys))) {
          found.set(typeof targetName === "string" ? targetName : EVERY_RELEASE, where);
        }
        continue;
      }
      const data = record(doc);
      if (data.kind !== undefined && data.kind !== "HelmRelease") continue;
      if (!params.keys.some((key) => valueAt(data, key) !== undefined)) continue;
      const name = record(data.metadata).name ?? targetName;
      found.set(typeof name === "string" ? name : EVERY_RELEASE, where);
    }
  });
  return found;
}

/** A JSON 6902 operation that writes one of the keys, or a mapping holding it. */
function jsonPatchSets(op: Data, keys: readonly string[]): boolean {
  if (op.op !== "add" && op.op !== "replace" && op.op !== "copy" && op.op !== "move") return false;
  if (typeof op.path !== "string") return false;
  const at = op.path.replace(/\/+$/, "");
  return keys.some((key) => {
    const pointer = `/${key.split(".").join("/")}`;
    if (pointer === at) return true;
    if (!pointer.startsWith(`${at}/`)) return false;
    const rest = pointer
      .slice(at.length + 1)
      .split("/")
      .join(".");
    return op.op === "copy" || op.op === "move" || valueAt(op.value, rest) !== undefined;
  });
}
