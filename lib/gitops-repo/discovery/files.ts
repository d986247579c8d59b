import { type Document, LineCounter, parseAllDocuments } from "yaml";
import { type LocatedError, parseYaml } from "@/lib/gitops-repo/located";
import { readPlainYaml, readPlainYamlDocuments } from "./plain-yaml";

/** A YAML mapping read as plain data. */
export type Data = Record<string, unknown>;

export const isRecord = (value: unknown): value is Data =>
  value !== null && typeof value === "object" && !Array.isArray(value);
/** The mapping, or an empty one when the value is anything else: fields read off it are absent. */
export const record = (value: unknown): Data => (isRecord(value) ? value : {});
/** The sequence, or an empty one when the value is anything else. */
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Bound on alias expansion when a rule reads a whole document; a "billion laughs" file stops here. */
const MAX_ALIAS_COUNT = 100;

/**
 * A file's text as a rule may use it, or why not: Git hands files over
 * decoded, and bytes that were not UTF-8 arrive as U+FFFD, which no GitOps
 * tool would have read as intended either.
 */
export function usableText(
  path: string,
  text: string | undefined,
): { ok: true; text: string } | { ok: false; error: LocatedError } {
  if (text === undefined) {
    return {
      ok: false,
      error: { file: path, line: 1, column: 1, message: "the file could not be read" },
    };
  }
  const bad = text.indexOf("\uFFFD");
  if (bad >= 0) {
    const before = text.slice(0, bad);
    const line = before.split("\n").length;
    const column = bad - before.lastIndexOf("\n");
    return {
      ok: false,
      error: { file: path, line, column, message: "the file is not valid UTF-8; it is skipped" },
    };
  }
  return { ok: true, text };
}

/**
 * Every YAML document of a file as plain data (Kubernetes manifests often hold several),
 * bounded like every other read: size, alias expansion, valid UTF-8.
 */
function readYamlDocuments(
  path: string,
  text: string | undefined,
): { ok: true; documents: unknown[] } | { ok: false; error: LocatedError } {
  const usable = usableText(path, text);
  if (!usable.ok) return usable;
  const plain = readPlainYaml(usable.text);
  if (plain !== undefined) return { ok: true, documents: [plain] };
  const parsed = parseYaml(usable.text, path);
  if (!parsed.ok) return parsed;
  return toData(path, [parsed.value.doc]);
}

export function readYamlData(
  path: string,
  text: string | undefined,
): { ok: true; value: unknown } | { ok: false; error: LocatedError } {
  const read = readYamlDocuments(path, text);
  if (!read.ok) return read;
  return { ok: true, value: read.documents[0] ?? null };
}

function toData(
  path: string,
  docs: Document.Parsed[],
): { ok: true; documents: unknown[] } | { ok: false; error: LocatedError } {
  try {
    return { ok: true, documents: docs.map((doc) => doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })) };
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return {
      ok: false,
      error: {
        file: path,
        line: 1,
        column: 1,
        message: `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} uses); the file is skipped`,
      },
    };
  }
}

/** `a.b[0]`-free lookup of a dotted key in plain data. */
export function valueAt(data: unknown, dotted: string): unknown {
  let node = data;
  for (const key of dotted.split(".")) {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Every document of a multi-document file (`---`), bounded like `readYamlData`. */
export function readAllYamlDocuments(
  path: string,
  text: string | undefined,
): { ok: true; documents: unknown[] } | { ok: false; error: LocatedError } {
  const usable = usableText(path, text);
  if (!usable.ok) return usable;
  if (Buffer.byteLength(usable.text, "utf8") > MAX_MANIFEST_BYTES) {
    return {
      ok: false,
      error: {
        file: path,
        line: 1,
        column: 1,
        message: `the file is larger than ${MAX_MANIFEST_BYTES / 1024} KiB; it is not read`,
      },
    };
  }
  const plain = readPlainYamlDocuments(usable.text);
  if (plain !== undefined) return { ok: true, documents: plain };
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(usable.text, { lineCounter, prettyErrors: false });
  if (!Array.isArray(docs)) return { ok: true, documents: [] };
  for (const doc of docs) {
    const first = doc.errors[0];
    if (first) {
      const { line, col } = lineCounter.linePos(first.pos[0]);
      return {
        ok: false,
        error: {
          file: path,
          line: Math.max(line, 1),
          column: Math.max(col, 1),
          message: `YAML syntax: ${first.message}`,
        },
      };
    }
  }
  return toData(path, docs);
}

const MAX_MANIFEST_BYTES = 1024 * 1024;
