/**
 * A fast reader for the plain YAML that most manifests and values files are
 * written in: block mappings and sequences of one-line scalars. Discovery
 * reads tens of thousands of such files per import, and building the `yaml`
 * package's full Document (nodes, ranges, comments) for each costs more than
 * the rest of the import.
 *
 * It answers only when it is sure to give what `yaml` (YAML 1.2, core
 * schema) would: anything else (anchors, aliases, tags, flow collections,
 * block or multi-line scalars, escapes, tabs, numbers other than plain
 * integers, duplicate keys, odd indentation, a syntax error) gives
 * `undefined`, and the caller reads the file with `yaml`, which also locates
 * every error. Speed never changes what a file means.
 */

type Data = Record<string, unknown>;
type Container =
  | { kind: "map"; indent: number; value: Data }
  | { kind: "seq"; indent: number; value: unknown[] };

/** Larger files are rare and read by `yaml`, which bounds them. */
const MAX_PLAIN_BYTES = 64 * 1024;

/** `yaml` refuses longer implicit keys. */
const MAX_KEY_LENGTH = 1000;
const KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
/** Plain keys `yaml` would turn into something other than their own text. */
const RESOLVED_KEYS = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|__proto__)$/;
const NULL = /^(?:~|null|Null|NULL)$/;
const TRUE = /^(?:true|True|TRUE)$/;
const FALSE = /^(?:false|False|FALSE)$/;
/** Integers small enough to be exact, as the core schema reads them (`010` is ten). */
const INTEGER = /^[-+]?[0-9]{1,15}$/;
/** Anything else that may read as a number (floats, exponents, 0x, 0o, .inf, .nan): left to `yaml`. */
const NUMBER_LIKE =
  /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?$|^0[oxb]|^[-+]?\.[A-Za-z]/;
/** Characters that cannot start a plain scalar, or start something this reader does not handle. */
const SPECIAL_START = /^[-?:,[\]{}#&*!|>'"%@`]/;

/** Every document of `text` as plain data, or `undefined` when `yaml` must read it. */
export function readPlainYamlDocuments(text: string): unknown[] | undefined {
  if (text.length > MAX_PLAIN_BYTES || /[\t\r\uFEFF\\]/.test(text)) return undefined;
  const lines = text.split("\n");
  const documents: string[][] = [];
  let current: string[] = [];
  let sawMarker = false;
  for (const line of lines) {
    if (line.startsWith("---") || line.startsWith("...")) {
      if (line.trimEnd() !== "---") return undefined;
      // What comes before the first marker is a document only when it has content.
      if (sawMarker || current.some(hasContent)) documents.push(current);
      current = [];
      sawMarker = true;
      continue;
    }
    current.push(line);
  }
  documents.push(current);
  if (documents.some((doc) => !doc.some(hasContent))) return undefined;
  const values: unknown[] = [];
  for (const doc of documents) {
    const value = readDocument(doc);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return values;
}

/** The one document of `text` as plain data, or `undefined` when `yaml` must read it. */
export function readPlainYaml(text: string): unknown {
  const documents = readPlainYamlDocuments(text);
  return documents?.length === 1 ? documents[0] : undefined;
}

function hasContent(line: string): boolean {
  const trimmed = line.trimStart();
  return trimmed !== "" && !trimmed.startsWith("#");
}

/** One document's lines as data; `undefined` for anything outside the plain subset. */
function readDocument(lines: readonly string[]): unknown {
  const content: { indent: number; text: string }[] = [];
  for (const line of lines) {
    if (!hasContent(line)) continue;
    const text = line.trimStart();
    content.push({ indent: line.length - text.length, text: text.trimEnd() });
  }
  const first = content[0];
  if (first?.indent !== 0) return undefined;
  let root: unknown;
  const stack: Container[] = [];
  /** The key whose value is on the following lines, with the map it belongs to. */
  let pending: { map: Data; key: string; indent: number } | null = null;

  for (let i = 0; i < content.length; i++) {
    const line = content[i];
    if (!line) return undefined;
    let { indent, text } = line;

    if (pending) {
      const opensSequence = text === "-" || text.startsWith("- ");
      if (indent > pending.indent || (indent === pending.indent && opensSequence)) {
        const container: Container = opensSequence
          ? { kind: "seq", indent, value: [] }
          : { kind: "map", indent, value: {} };
        pending.map[pending.key] = container.value;
        stack.push(container);
      } else {
        pending.map[pending.key] = null;
      }
      pending = null;
    }
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) > indent) stack.pop();

    let top = stack[stack.length - 1];
    // A sequence written at its key's own indentation ends where the mapping's next key begins.
    const below = stack[stack.length - 2];
    if (top?.kind === "seq" && !text.startsWith("- ") && below?.indent === indent) {
      stack.pop();
      top = below;
    }
    if (!top) {
      if (root !== undefined) return undefined;
      top =
        text === "-" || text.startsWith("- ")
          ? { kind: "seq", indent: 0, value: [] }
          : { kind: "map", indent: 0, value: {} };
      root = top.value;
      stack.push(top);
    }
    if (top.indent !== indent) return undefined;

    if (top.kind === "seq") {
      if (!text.startsWith("- ")) return undefined;
      const rest = text.slice(2);
      const item = rest.trimStart();
      if (!hasContent(item)) return undefined;
      const itemIndent: number = indent + 2 + (rest.length - item.length);
      if (isMapEntry(item)) {
        // `- key: value`: a mapping whose keys line up after the dash.
        const map: Data = {};
        top.value.push(map);
        const nested: Container = { kind: "map", indent: itemIndent, value: map };
        stack.push(nested);
        top = nested;
        indent = itemIndent;
        text = item;
      } else {
        const scalar = readScalar(item);
        if (scalar === undefined) return undefined;
        top.value.push(scalar.value);
        continue;
      }
    }
    if (top.kind !== "map") return undefined;
    const entry = splitMapEntry(text);
    if (!entry || Object.hasOwn(top.value, entry.key)) return undefined;
    if (entry.rest === "") {
      top.value[entry.key] = null;
      pending = { map: top.value, key: entry.key, indent };
      continue;
    }
    const scalar = readScalar(entry.rest);
    if (scalar === undefined) return undefined;
    top.value[entry.key] = scalar.value;
  }
  if (pending) pending.map[pending.key] = null;
  return root;
}

function isMapEntry(text: string): boolean {
  return splitMapEntry(text) !== null;
}

/** `key: value` or `key:` (a trailing comment dropped), with a key this reader can take as written. */
function splitMapEntry(text: string): { key: string; rest: string } | null {
  const colon = text.indexOf(":");
  if (colon <= 0) return null;
  const key = text.slice(0, colon);
  if (key.length > MAX_KEY_LENGTH || !KEY.test(key) || RESOLVED_KEYS.test(key)) return null;
  const after = text.slice(colon + 1);
  if (after === "" || after.trimStart().startsWith("#")) {
    // `key: # comment` needs a space before the `#`; `key:#` is not a mapping entry.
    return after === "" || after.startsWith(" ") ? { key, rest: "" } : null;
  }
  if (!after.startsWith(" ")) return null;
  return { key, rest: after.trim() };
}

/** A one-line scalar (plain, or quoted without escapes) as the core schema reads it. */
function readScalar(raw: string): { value: unknown } | undefined {
  const quote = raw[0];
  if (quote === '"' || quote === "'") {
    const close = raw.indexOf(quote, 1);
    if (close < 0) return undefined;
    const after = raw.slice(close + 1);
    if (after !== "" && !/^\s+#/.test(after)) return undefined;
    return { value: raw.slice(1, close) };
  }
  const comment = raw.search(/\s#/);
  const value = (comment >= 0 ? raw.slice(0, comment) : raw).trimEnd();
  // `-1` and `-x` are plain scalars; every other indicator starts something else.
  if (value === "" || (SPECIAL_START.test(value) && !/^-\S/.test(value))) return undefined;
  if (value.includes(": ") || value.endsWith(":")) return undefined;
  if (NULL.test(value)) return { value: null };
  if (TRUE.test(value)) return { value: true };
  if (FALSE.test(value)) return { value: false };
  if (INTEGER.test(value)) return { value: Number(value) };
  if (NUMBER_LIKE.test(value)) return undefined;
  return { value };
}
