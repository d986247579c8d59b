import { isAlias, isCollection, isMap, isScalar, parse, type Scalar } from "yaml";
import { type LocatedError, parseYaml, positionOf } from "@/lib/gitops-repo/located";
import { DEFAULT_VERSION_PATH } from "@/lib/gitops-repo/paths";

/**
 * Image tags and chart versions: `1.42.0`, `v2.3.1-rc.1+build.5`, `2024.11.3`,
 * `3f9a2c1`, `1.4.2@sha256:…`. No whitespace, quotes or YAML indicators, so a
 * version can be written into a values file in any quoting style unchanged.
 */
const VERSION_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._+@:-]{0,199}$/;

export function isValidVersion(value: string): boolean {
  return VERSION_PATTERN.test(value);
}

export type ReadVersionResult =
  | { ok: true; value: string; line: number; column: number }
  | { ok: false; error: LocatedError };

export type SetVersionResult =
  | { ok: true; text: string; previous: string; changed: boolean }
  | { ok: false; error: LocatedError };

interface VersionNode {
  node: Scalar;
  value: string;
}

/**
 * Reads the version from a values file at a dotted path (`image.tag`).
 * Returns it as written: `tag: 1.10` is version "1.10", not the number 1.1.
 * Every problem (unparsable file, missing key, a mapping where a value
 * should be) comes back located.
 */
export function readVersion(
  valuesText: string,
  filePath: string,
  versionPath: string = DEFAULT_VERSION_PATH,
): ReadVersionResult {
  const found = findVersion(valuesText, filePath, versionPath);
  if (!found.ok) return found;
  return { ok: true, value: found.version.value, ...found.position };
}

/**
 * Changes the version at `versionPath` and nothing else: every other byte of
 * the file — comments, key order, blank lines, indentation, the quoting of
 * the value itself — stays as it was. The YAML Document API finds the scalar
 * and its exact source range; the new value is spliced into the original
 * text rather than re-serialising the document, because re-serialising
 * normalises spacing and comment placement that reviewers would see as noise
 * in the pull request's diff.
 */
export function setVersion(
  valuesText: string,
  versionPath: string,
  newVersion: string,
  filePath = "values.yaml",
): SetVersionResult {
  const found = findVersion(valuesText, filePath, versionPath);
  if (!found.ok) return found;
  const { node, value: previous } = found.version;
  const at = (message: string): SetVersionResult => ({
    ok: false,
    error: { file: filePath, ...found.position, message },
  });

  if (!isValidVersion(newVersion)) {
    return at(
      `"${newVersion.slice(0, 80)}" is not a valid version: use letters, digits and . _ + @ : - (no spaces)`,
    );
  }
  if (previous === newVersion) return { ok: true, text: valuesText, previous, changed: false };
  const range = node.range;
  if (!range) return at(`${versionPath} has no position in the file`);

  const text =
    valuesText.slice(0, range[0]) + renderLike(node, newVersion) + valuesText.slice(range[1]);

  // The splice is checked, not trusted: the file must read back as the new
  // version, or nothing is returned.
  const check = readVersion(text, filePath, versionPath);
  if (!check.ok || check.value !== newVersion) {
    return at(`could not write ${versionPath} without changing the rest of the file`);
  }
  return { ok: true, text, previous, changed: true };
}

/** The new value in the style the old one was written in. */
function renderLike(node: Scalar, value: string): string {
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return JSON.stringify(value);
    case "QUOTE_SINGLE":
      return `'${value}'`;
    default:
      // A plain scalar stays plain only when YAML reads it back as the same
      // text: `1.10` would become the number 1.1 and `1e3` a thousand.
      return readsAsString(value) ? value : JSON.stringify(value);
  }
}

function readsAsString(value: string): boolean {
  try {
    return parse(value) === value;
  } catch {
    return false;
  }
}

function findVersion(
  text: string,
  file: string,
  versionPath: string,
):
  | { ok: true; version: VersionNode; position: { line: number; column: number } }
  | { ok: false; error: LocatedError } {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return parsed;
  const { doc, lineCounter } = parsed.value;
  const keys = versionPath.split(".");
  const fail = (node: Parameters<typeof positionOf>[0], message: string) => ({
    ok: false as const,
    error: { file, ...positionOf(node, lineCounter), message },
  });

  if (doc.contents === null) return fail(null, `the file is empty; expected ${versionPath}`);
  let node: unknown = doc.contents;
  let parentPath = "";
  for (const key of keys) {
    if (isAlias(node)) node = node.resolve(doc);
    if (!isMap(node)) {
      const where = parentPath === "" ? "the top of the file" : parentPath;
      return fail(
        isCollection(node) || isScalar(node) ? node : null,
        `${where} must be a mapping to hold ${versionPath}`,
      );
    }
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (!pair) {
      return fail(
        node,
        parentPath === ""
          ? `${versionPath} is missing: the file has no "${key}" key`
          : `${versionPath} is missing: "${parentPath}" has no "${key}" key`,
      );
    }
    parentPath = parentPath === "" ? key : `${parentPath}.${key}`;
    node = pair.value;
    if (node === null || node === undefined) {
      return fail(isScalar(pair.key) ? pair.key : null, `${versionPath} is empty`);
    }
  }

  if (isAlias(node)) {
    return fail(
      node,
      `${versionPath} is an alias (*${node.source}); point it at a plain value so it can be read and promoted`,
    );
  }
  if (!isScalar(node)) {
    return fail(
      isCollection(node) ? node : null,
      `${versionPath} must be a single value, found a ${isMap(node) ? "mapping" : "list"}`,
    );
  }
  if (node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED") {
    return fail(node, `${versionPath} is a block scalar (| or >); write it as a single-line value`);
  }
  const value = scalarText(node);
  if (value === null) return fail(node, `${versionPath} is empty`);
  if (!isValidVersion(value)) {
    return fail(node, `${versionPath} is not a valid version: "${value.slice(0, 80)}"`);
  }
  return { ok: true, version: { node, value }, position: positionOf(node, lineCounter) };
}

/** A scalar as written: numbers and booleans keep their source text (`1.10`, not 1.1). */
function scalarText(node: Scalar): string | null {
  if (node.value === null || node.value === undefined) return null;
  if (typeof node.value === "string") return node.value === "" ? null : node.value;
  if (node.type === "PLAIN" && typeof node.source === "string") return node.source;
  return String(node.value);
}
