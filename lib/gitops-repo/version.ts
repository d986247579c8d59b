import { parseKeyPath } from "@/lib/gitops-repo/key-path";
import { type LocatedError, positionOf } from "@/lib/gitops-repo/located";
import { writeLocator } from "@/lib/gitops-repo/locator";
import { DEFAULT_VERSION_PATH } from "@/lib/gitops-repo/paths";
import { isValidVersion } from "@/lib/gitops-repo/version-syntax";
import { openYaml, scalarText, walkPath } from "@/lib/gitops-repo/yaml-edit";

export { isValidVersion };

export type ReadVersionResult =
  | { ok: true; value: string; line: number; column: number }
  | { ok: false; error: LocatedError };

export type ReadCurrentVersionResult =
  | { ok: true; value: string | null; line: number; column: number }
  | { ok: false; error: LocatedError };

export type SetVersionResult =
  | { ok: true; text: string; previous: string | null; changed: boolean }
  | { ok: false; error: LocatedError };

/**
 * Reads the version from a values file at a key path (`image.tag`; see
 * key-path.ts for the syntax). Returns it as written: `tag: 1.10` is version
 * "1.10", not the number 1.1. Every problem (unparsable file, missing key,
 * empty value, a mapping where a value should be) comes back located.
 */
export function readVersion(
  valuesText: string,
  filePath: string,
  versionPath: string = DEFAULT_VERSION_PATH,
): ReadVersionResult {
  const read = readCurrentVersion(valuesText, filePath, versionPath);
  if (!read.ok) return read;
  if (read.value === null) {
    return {
      ok: false,
      error: {
        file: filePath,
        line: read.line,
        column: read.column,
        message: `${versionPath} is empty`,
      },
    };
  }
  return { ok: true, value: read.value, line: read.line, column: read.column };
}

/**
 * The version an environment runs now, for promoting from: like readVersion,
 * but an empty value (`tag: ""`, `tag: null`, `tag: ~`, `tag:`) is null, not
 * an error. Charts ship `tag: ""` to mean "the chart's appVersion", and such
 * an environment must be promotable.
 */
export function readCurrentVersion(
  valuesText: string,
  filePath: string,
  versionPath: string = DEFAULT_VERSION_PATH,
): ReadCurrentVersionResult {
  const at = (position: { line: number; column: number }, message: string) => ({
    ok: false as const,
    error: { file: filePath, ...position, message },
  });
  const path = parseKeyPath(versionPath);
  if (!path.ok) return at({ line: 1, column: 1 }, path.message);
  const opened = openYaml(valuesText, filePath);
  if (!opened.ok) return opened;
  const walked = walkPath(opened.yaml, path.segments);
  if (!walked.ok) return walked;
  const found = walked.walked;
  if (found.kind === "missing") {
    return at(positionOf(found.parent, opened.yaml.lineCounter), found.message);
  }
  const position = positionOf(found.node, opened.yaml.lineCounter);
  const value = scalarText(found.node);
  if (value !== null && !isValidVersion(value)) {
    return at(position, `${versionPath} is not a valid version: "${value.slice(0, 80)}"`);
  }
  return { ok: true, value, ...position };
}

/**
 * Changes the version at `versionPath` and nothing else: every other byte of
 * the file (comments, key order, blank lines, indentation, line endings, the
 * quoting of the value itself) stays as it was. An empty value is written
 * over; a missing key is refused, as is a value shared through an anchor.
 */
export function setVersion(
  valuesText: string,
  versionPath: string,
  newVersion: string,
  filePath = "values.yaml",
): SetVersionResult {
  return writeLocator(
    valuesText,
    { kind: "yaml", file: filePath, path: versionPath },
    { version: newVersion },
  );
}
