import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import { z } from "zod";
import { GantryError } from "@/lib/errors";
import { type VersionLocator, versionLocatorSchema, writeLocator } from "@/lib/gitops-repo/locator";
import { addPatchEntry, type NewPatch, newPatchText } from "@/lib/gitops-repo/override";
import { environmentValuesPath } from "@/lib/gitops-repo/paths";

/** One version written through one locator: what a promotion changes, stored on it as JSON. */
export interface LocatorEdit {
  locator: VersionLocator;
  version: string;
  digest: string | null;
  /** The key is added where the file lacks it: the version written into the environment's own file. */
  addKey?: boolean;
  /** The file is created as this HelmRelease patch, and listed in its kustomization's patches. */
  newPatch?: NewPatch;
}

const file = z.string().min(1).max(1000);
const LocatorEditSchema = z.object({
  locator: versionLocatorSchema,
  version: z.string(),
  digest: z.string().nullable(),
  addKey: z.boolean().optional(),
  newPatch: z
    .object({
      kustomization: file,
      apiVersion: z.string().min(1).max(200),
      kind: z.string().min(1).max(200),
      name: z.string().min(1).max(253),
      namespace: z.string().min(1).max(253).nullable(),
    })
    .optional(),
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
  /** The file does not exist before the change. */
  created?: boolean;
}

/**
 * The files the edits read, which must exist at the base commit: every
 * edited file but the patches they create, and the kustomizations that
 * list those.
 */
export function filesToRead(edits: readonly LocatorEdit[]): string[] {
  return [
    ...new Set(
      edits.map((edit) => (edit.newPatch ? edit.newPatch.kustomization : edit.locator.file)),
    ),
  ];
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
  const current = (path: string) => changed.get(path)?.after ?? files.get(path);
  for (const edit of edits) {
    const path = edit.locator.file;
    let before = current(path);
    const creates = before === undefined && edit.newPatch !== undefined;
    if (creates && edit.newPatch) before = newPatchText(edit.newPatch);
    if (before === undefined) {
      throw new GantryError("unprocessable", `${path} does not exist`, {
        details: { file: path },
      });
    }
    const written = writeLocator(
      before,
      edit.locator,
      { version: edit.version, digest: edit.digest },
      { pinRanges: options.pinRanges, addMissingKey: creates || edit.addKey === true },
    );
    if (!written.ok) throw locatedError(written.error);
    if (!written.changed) continue;
    const earlier = changed.get(path);
    changed.set(path, {
      path,
      before: earlier ? earlier.before : creates ? "" : before,
      after: written.text,
      ...((earlier?.created ?? creates) ? { created: true } : {}),
    });
    if (creates && edit.newPatch) {
      const kustomization = edit.newPatch.kustomization;
      const text = current(kustomization);
      if (text === undefined) {
        throw new GantryError("unprocessable", `${kustomization} does not exist`, {
          details: { file: kustomization },
        });
      }
      const listed = addPatchEntry(text, kustomization, path);
      if (!listed.ok) throw locatedError(listed.error);
      if (listed.changed) {
        changed.set(kustomization, {
          path: kustomization,
          before: changed.get(kustomization)?.before ?? text,
          after: listed.text,
        });
      }
    }
  }
  return [...changed.values()];
}

/** Every changed file's unified diff, in the order the edits name them: the diff shown is the commit made. */
export function changesDiff(changes: readonly FileChange[]): string {
  return changes.map(unifiedDiff).join("");
}

/** A git-style unified diff of one file (`a/…`, `b/…`; a new file from /dev/null), without the `Index:` preamble. */
function unifiedDiff(change: FileChange): string {
  const { path, before, after } = change;
  const from = change.created ? "/dev/null" : `a/${path}`;
  return createTwoFilesPatch(from, `b/${path}`, before, after, undefined, undefined, {
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
