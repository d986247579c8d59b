import path from "node:path/posix";
import { isMap, isScalar, isSeq, parse } from "yaml";
import { z } from "zod";
import type { LocatedError } from "@/lib/gitops-repo/located";
import { openYaml } from "@/lib/gitops-repo/yaml-edit";

/**
 * Where one environment's version can be written in a file of its own, when
 * the file that decides it today is shared with other environments or apps
 * (an Argo CD `values.yaml` listed before `values-production.yaml`, a Flux
 * base the production overlay does not patch). Found by discovery, stored
 * on the catalogue cell; used only when gantry.yaml sets `writeOverrides`.
 */
export type OverridePlace =
  /** A file of the environment's own that exists: the keys are added there. */
  | { kind: "file"; file: string }
  /** A HelmRelease patch to create in the environment's overlay and list in its kustomization's `patches:`. */
  | { kind: "new-patch"; file: string; patch: NewPatch }
  /** No file of its own to write to, and what to add to have one. */
  | { kind: "none"; reason: string };

/** A new overlay patch: the HelmRelease it patches, and the kustomization.yaml that must list it. */
// A type, not an interface: it is stored as JSON on the promotion, which needs an index signature.
export type NewPatch = {
  kustomization: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
};

const file = z.string().min(1).max(1000);
const NewPatchSchema = z.object({
  kustomization: file,
  apiVersion: z.string().min(1).max(200),
  kind: z.string().min(1).max(200),
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(253).nullable(),
});

/** An override place read back from storage; anything else reads as none known. */
export function storedOverridePlace(stored: unknown): OverridePlace | null {
  const parsed = z
    .discriminatedUnion("kind", [
      z.object({ kind: z.literal("file"), file }),
      z.object({ kind: z.literal("new-patch"), file, patch: NewPatchSchema }),
      z.object({ kind: z.literal("none"), reason: z.string().min(1).max(2000) }),
    ])
    .safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/** The text a new overlay patch starts from: the HelmRelease's identity; the version keys are added to it. */
export function newPatchText(patch: NewPatch): string {
  return [
    `# ${patch.name}'s version in this environment, set here rather than in the shared base`,
    `apiVersion: ${patch.apiVersion}`,
    `kind: ${patch.kind}`,
    "metadata:",
    `  name: ${patch.name}`,
    ...(patch.namespace === null ? [] : [`  namespace: ${patch.namespace}`]),
    "",
  ].join("\n");
}

/**
 * Adds `- path: <patch>` (relative to the kustomization's directory) to the
 * `patches:` list of a kustomization.yaml, written as the file writes its
 * lists; adds the list when there is none. The result is checked, not
 * trusted: it must read as the same file with one more patch.
 */
export function addPatchEntry(
  text: string,
  kustomization: string,
  patchFile: string,
): { ok: true; text: string; changed: boolean } | { ok: false; error: LocatedError } {
  const fail = (message: string) => ({
    ok: false as const,
    error: { file: kustomization, line: 1, column: 1, message },
  });
  const opened = openYaml(text, kustomization);
  if (!opened.ok) return opened;
  const doc = opened.yaml.docs[0];
  const root = doc?.contents;
  if (opened.yaml.docs.length !== 1 || !isMap(root) || root.flow || !root.range) {
    return fail("is not one block mapping; list the patch in it by hand");
  }
  const entry = path.relative(path.dirname(kustomization), patchFile);
  const before = parse(text) as Record<string, unknown>;
  const listed = Array.isArray(before.patches) ? before.patches : [];
  if (listed.some((p) => typeof p === "object" && p !== null && "path" in p && p.path === entry)) {
    return { ok: true, text, changed: false };
  }
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lineStart = (offset: number) => text.lastIndexOf("\n", offset - 1) + 1;
  const afterLine = (offset: number) => {
    if (text[offset - 1] === "\n") return { at: offset, prefix: "" };
    const newline = text.indexOf("\n", offset);
    return newline < 0 ? { at: text.length, prefix: eol } : { at: newline + 1, prefix: "" };
  };

  const pair = root.items.find((item) => isScalar(item.key) && item.key.value === "patches");
  let insert: { at: number; text: string };
  if (pair) {
    const list = pair.value;
    if (!isSeq(list) || list.flow || list.items.length === 0 || !list.range) {
      return fail(`its patches: is not a block list; add "- path: ${entry}" to it by hand`);
    }
    const first = list.items[0];
    const firstStart = isMap(first) || isScalar(first) ? first.range?.[0] : undefined;
    if (firstStart === undefined) return fail("its patches: list has no position");
    const dash = text.lastIndexOf("-", firstStart);
    const indent = dash - lineStart(dash);
    const { at, prefix } = afterLine(list.range[1]);
    insert = { at, text: `${prefix}${" ".repeat(indent)}- path: ${entry}${eol}` };
  } else {
    // Lists are indented as the file's other lists are (`resources:` usually).
    const other = root.items.find((item) => isSeq(item.value) && !item.value.flow);
    const key = other && isScalar(other.key) ? other.key.range?.[0] : undefined;
    const item = other && isSeq(other.value) ? other.value.range?.[0] : undefined;
    const indent =
      key !== undefined && item !== undefined
        ? Math.max(0, text.lastIndexOf("-", item) - lineStart(text.lastIndexOf("-", item)))
        : 2;
    const { at, prefix } = afterLine(root.range[1]);
    insert = {
      at,
      text: `${prefix}patches:${eol}${" ".repeat(indent)}- path: ${entry}${eol}`,
    };
  }
  const written = text.slice(0, insert.at) + insert.text + text.slice(insert.at);
  const expected = { ...before, patches: [...listed, { path: entry }] };
  let after: unknown;
  try {
    after = parse(written);
  } catch {
    after = null;
  }
  if (JSON.stringify(after) !== JSON.stringify(expected)) {
    return fail(`could not add "- path: ${entry}" to its patches without changing the rest`);
  }
  return { ok: true, text: written, changed: true };
}
