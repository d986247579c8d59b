import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import { z } from "zod";
import { GantryError } from "@/lib/errors";
import { type VersionLocator, versionLocatorSchema, writeLocator } from "@/lib/gitops-repo/locator";
import { environmentValuesPath } from "@/lib/gitops-repo/paths";

/** One version written through one locator: what a promotion changes, stored on it as JSON. */
export interface LocatorEdit {
  locator: VersionLocator;
  version: string;
  digest: string | null;
}

const LocatorEditSchema = z.object({
  locator: versionLocatorSchema,
  version: z.string(),
  digest: z.string().nullable(),
});

/**
 * A cell's locators as stored by the importer. Rows imported before
 * locators existed hold `[]`: they are the convention's values file at the
 * configured key path, as they were read then.
 */
export function cellLocators(params: {
  stored: unknown;
  application: string;
  environment: string;
  versionPath: string;
}): VersionLocator[] {
  const parsed = z.array(versionLocatorSchema).safeParse(params.stored);
  if (parsed.success && parsed.data.length > 0) return parsed.data;
  return [
    {
      kind: "yaml",
      file: environmentValuesPath(params.application, params.environment),
      path: params.versionPath,
    },
  ];
}

/** The edits a promotion stored; null when it predates them (then valuesPath at the version path). */
export function storedEdits(stored: unknown): LocatorEdit[] | null {
  const parsed = z.array(LocatorEditSchema).safeParse(stored);
  return parsed.success && parsed.data.length > 0 ? parsed.data : null;
}

export interface FileChange {
  path: string;
  before: string;
  after: string;
}

/**
 * Applies every edit to the files it names, in order, several to one file
 * when they share it. A refusal (a shared anchor, a range without
 * pinRanges, a file that is not UTF-8) comes back as a located GantryError.
 */
export function applyLocatorEdits(
  files: ReadonlyMap<string, string>,
  edits: readonly LocatorEdit[],
  options: { pinRanges: boolean },
): FileChange[] {
  const changed = new Map<string, FileChange>();
  for (const edit of edits) {
    const path = edit.locator.file;
    const before = changed.get(path)?.after ?? files.get(path);
    if (before === undefined) {
      throw new GantryError("unprocessable", `${path} does not exist`, {
        details: { file: path },
      });
    }
    const written = writeLocator(
      before,
      edit.locator,
      { version: edit.version, digest: edit.digest },
      { pinRanges: options.pinRanges },
    );
    if (!written.ok) throw locatedError(written.error);
    if (!written.changed) continue;
    changed.set(path, { path, before: changed.get(path)?.before ?? before, after: written.text });
  }
  return [...changed.values()];
}

/** Every changed file's unified diff, in the order the edits name them: the diff shown is the commit made. */
export function changesDiff(changes: readonly FileChange[]): string {
  return changes.map((change) => unifiedDiff(change.path, change.before, change.after)).join("");
}

/** A git-style unified diff of one file (`a/…`, `b/…`), without the `Index:` preamble. */
function unifiedDiff(path: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, {
    context: 3,
  })
    .split("\n")
    .filter((line, index) => !(index === 0 && line.startsWith("====")))
    .join("\n");
}

/**
 * Git's blob id of one file, or for several the hash of their blob ids in
 * order: the same files and versions give the same diff at any commit.
 */
export function contentId(contents: readonly string[]): string {
  const ids = contents.map((content) => {
    const bytes = Buffer.from(content, "utf8");
    return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
  });
  if (ids.length === 1) return ids[0] as string;
  return createHash("sha1").update(ids.join("\n")).digest("hex");
}

export function locatedError(error: {
  file: string;
  line: number;
  column: number;
  message: string;
}): GantryError {
  return new GantryError(
    "unprocessable",
    `${error.file}:${error.line}:${error.column}: ${error.message}`,
    { details: { file: error.file, line: error.line, column: error.column } },
  );
}
