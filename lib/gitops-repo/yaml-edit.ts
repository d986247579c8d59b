import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parse,
  parseAllDocuments,
  type Scalar,
  visit,
  type YAMLMap,
} from "yaml";
import { formatKeyPath, type KeyPathSegment } from "@/lib/gitops-repo/key-path";
import { type LocatedError, MAX_YAML_BYTES, positionOf } from "@/lib/gitops-repo/located";
import { replacementCharacterAt } from "@/lib/gitops-repo/utf8";

/**
 * The edit engine under version locators: finds a scalar at a key path in a
 * YAML file and rewrites only its bytes. Everything else in the file (BOM,
 * line endings, indentation, comments, quoting, flow style) is left as it
 * was, because the new value is spliced into the original text rather than
 * the document being serialised again.
 */
export interface YamlFile {
  text: string;
  file: string;
  /** Every document of the file (`---` separates them), with positions counted over the whole text. */
  docs: Document.Parsed[];
  lineCounter: LineCounter;
  /** Nodes that some alias (`*name`) in the file points at: changing them changes every user. */
  aliased: Set<Node>;
}

export type Position = { line: number; column: number };

export function openYaml(
  text: string,
  file: string,
): { ok: true; yaml: YamlFile } | { ok: false; error: LocatedError } {
  const replaced = replacementCharacterAt(text);
  if (replaced) {
    return {
      ok: false,
      error: {
        file,
        ...replaced,
        message:
          "the file is not valid UTF-8 (it was read with bytes replaced by U+FFFD); save it as UTF-8: Gantry does not read or rewrite it",
      },
    };
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > MAX_YAML_BYTES) {
    return {
      ok: false,
      error: {
        file,
        line: 1,
        column: 1,
        message: `the file is larger than ${MAX_YAML_BYTES / 1024} KiB (${Math.ceil(bytes / 1024)} KiB); it is not read`,
      },
    };
  }
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) makes a duplicated key an error instead of "last one wins".
  const docs = Array.from(parseAllDocuments(text, { lineCounter, prettyErrors: false }));
  for (const doc of docs) {
    const first = doc.errors[0];
    if (first) {
      const { line, col } = lineCounter.linePos(first.pos[0]);
      return {
        ok: false,
        error: {
          file,
          line: Math.max(line, 1),
          column: Math.max(col, 1),
          message: `YAML syntax: ${first.message}`,
        },
      };
    }
  }
  const aliased = new Set<Node>();
  for (const doc of docs) {
    visit(doc, {
      Alias(_, alias) {
        const target = alias.resolve(doc);
        if (target) aliased.add(target);
      },
    });
  }
  return { ok: true, yaml: { text, file, docs, lineCounter, aliased } };
}

/** Why a value may be read but not written where it is. */
export type SharedValue =
  | { kind: "alias"; alias: string; anchorLine: number; at: Position }
  | { kind: "anchored"; anchor: string; anchorLine: number }
  | {
      kind: "merged";
      anchor: string | null;
      mergeLine: number;
      /** The mapping that merges, where a key of its own would override the merged one. */
      mapping: Position;
      key: string;
    };

export type Walked =
  | {
      kind: "value";
      node: Scalar;
      shared: SharedValue | null;
    }
  | {
      kind: "missing";
      /** The deepest mapping that exists on the path. */
      parent: YAMLMap;
      /** The keys the path still needs below `parent`. */
      missing: string[];
      /** The first missing key's message, in words: `"image" has no "tag" key`. */
      message: string;
      shared: SharedValue | null;
    };

export type WalkResult = { ok: true; walked: Walked } | { ok: false; error: LocatedError };

const MAX_MERGE_DEPTH = 20;

/**
 * Follows a key path; aliases and `<<` merge keys are followed for reading
 * and recorded for writing. In a file of several documents, a path that
 * starts with `[N]` or `[field=value]` (`[kind=HelmRelease]`,
 * `[metadata.name=api]`) picks the document; any other path must lead to a
 * value in exactly one of them.
 */
export function walkPath(yaml: YamlFile, segments: readonly KeyPathSegment[]): WalkResult {
  const pathText = formatKeyPath(segments);
  const fail = (message: string): WalkResult => ({
    ok: false,
    error: { file: yaml.file, line: 1, column: 1, message },
  });
  const documents = yaml.docs.filter((doc) => doc.contents !== null);
  const only = documents[0];
  if (only === undefined) return fail(`the file is empty; expected ${pathText}`);
  if (yaml.docs.length === 1) return walkDocument(yaml, only, segments, pathText);

  const [first, ...rest] = segments;
  const count = `the file's ${yaml.docs.length} documents`;
  if (first?.kind === "index") {
    const doc = yaml.docs[first.index];
    if (!doc || doc.contents === null) {
      return fail(`${pathText} is missing: ${count} have no [${first.index}] (counted from 0)`);
    }
    return walkDocument(yaml, doc, rest, pathText);
  }
  if (first?.kind === "select") {
    const matching = documents.filter(
      (doc) => fieldText(doc, doc.contents, first.field) === first.value,
    );
    const [doc, ...others] = matching;
    if (!doc)
      return fail(`${pathText} is missing: none of ${count} has ${first.field}: ${first.value}`);
    if (others.length > 0) {
      return fail(
        `${matching.length} of ${count} have ${first.field}: ${first.value}; ${pathText} must pick one`,
      );
    }
    return walkDocument(yaml, doc, rest, pathText);
  }
  const results = documents.map((doc) => walkDocument(yaml, doc, segments, pathText));
  const found = results.filter((r) => r.ok && r.walked.kind === "value");
  const [one, ...more] = found;
  if (one && more.length === 0) return one;
  if (one) {
    return fail(
      `${pathText} is in ${found.length} of ${count}; start the path with the document, as [1].${pathText} or [kind=…].${pathText}`,
    );
  }
  const errors = results.filter((r) => !r.ok);
  if (errors.length === 1 && errors[0]) return errors[0];
  return fail(`${pathText} is missing: none of ${count} has it`);
}

/** The scalar text at a dotted field below `node` (`metadata.name`), or null. */
function fieldText(doc: Document.Parsed, node: unknown, field: string): string | null {
  let current: unknown = node;
  for (const key of field.split(".")) {
    if (isAlias(current)) current = current.resolve(doc);
    if (!isMap(current)) return null;
    const found = findKey(doc, current, key, 0);
    if (!found) return null;
    current = found.pair.value;
  }
  if (isAlias(current)) current = current.resolve(doc);
  return isScalar(current) ? scalarText(current) : null;
}

function walkDocument(
  yaml: YamlFile,
  doc: Document.Parsed,
  segments: readonly KeyPathSegment[],
  pathText: string,
): WalkResult {
  const { file, lineCounter } = yaml;
  const fail = (node: Node | null, message: string): WalkResult => ({
    ok: false,
    error: { file, ...positionOf(node, lineCounter), message },
  });
  if (doc.contents === null) return fail(null, `the file is empty; expected ${pathText}`);

  let node: unknown = doc.contents;
  let shared: SharedValue | null = null;
  const note = (reason: SharedValue) => {
    shared ??= reason;
  };
  const follow = (value: unknown): unknown => {
    if (!isAlias(value)) return value;
    const target = value.resolve(doc);
    note({
      kind: "alias",
      alias: value.source,
      anchorLine: anchorLine(yaml, target ?? null, value.source),
      at: positionOf(value, lineCounter),
    });
    return target;
  };

  for (const [i, segment] of segments.entries()) {
    node = follow(node);
    if (isMap(node) || isSeq(node) || isScalar(node)) {
      if (yaml.aliased.has(node) && node.anchor) {
        note({
          kind: "anchored",
          anchor: node.anchor,
          anchorLine: anchorLine(yaml, node, node.anchor),
        });
      }
    }
    const done = formatKeyPath(segments.slice(0, i));
    const where = done === "" ? "the top of the file" : done;
    if (segment.kind === "key") {
      if (!isMap(node)) {
        return fail(isNode(node) ? node : null, `${where} must be a mapping to hold ${pathText}`);
      }
      const found = findKey(doc, node, segment.key, 0);
      if (!found) {
        const rest = segments.slice(i);
        if (rest.some((s) => s.kind !== "key")) {
          return fail(
            node,
            `${pathText} is missing: ${done === "" ? "the file" : `"${done}"`} has no "${segment.key}" key`,
          );
        }
        return {
          ok: true,
          walked: {
            kind: "missing",
            parent: node,
            missing: rest.map((s) => (s.kind === "key" ? s.key : "")),
            message: `${pathText} is missing: ${done === "" ? "the file" : `"${done}"`} has no "${segment.key}" key`,
            shared,
          },
        };
      }
      if (found.merge) {
        note({
          kind: "merged",
          anchor: found.merge.anchor,
          mergeLine: positionOf(found.merge.pair.key as Node, lineCounter).line,
          mapping: positionOf(node, lineCounter),
          key: segment.key,
        });
      }
      node = found.pair.value;
      if (node === null || node === undefined) {
        return fail(
          isScalar(found.pair.key) ? found.pair.key : null,
          `${formatKeyPath(segments.slice(0, i + 1))} has no value to read or write`,
        );
      }
    } else if (segment.kind === "index") {
      if (!isSeq(node)) {
        return fail(isNode(node) ? node : null, `${where} must be a list to hold ${pathText}`);
      }
      const item = node.items[segment.index];
      if (item === undefined) {
        return fail(
          node,
          `${pathText} is missing: ${where} has ${node.items.length} item${node.items.length === 1 ? "" : "s"}, so no [${segment.index}]`,
        );
      }
      node = item;
    } else {
      if (!isSeq(node)) {
        return fail(isNode(node) ? node : null, `${where} must be a list to hold ${pathText}`);
      }
      const matches = node.items.filter(
        (item) => fieldText(doc, item, segment.field) === segment.value,
      );
      if (matches.length === 0) {
        return fail(
          node,
          `${pathText} is missing: ${where} has no item with ${segment.field}: ${segment.value}`,
        );
      }
      if (matches.length > 1) {
        return fail(
          node,
          `${where} has ${matches.length} items with ${segment.field}: ${segment.value}; ${pathText} must pick one`,
        );
      }
      node = matches[0];
    }
  }

  node = follow(node);
  if (isScalar(node) && yaml.aliased.has(node) && node.anchor) {
    note({
      kind: "anchored",
      anchor: node.anchor,
      anchorLine: anchorLine(yaml, node, node.anchor),
    });
  }
  if (!isScalar(node)) {
    return fail(
      isNode(node) ? node : null,
      `${pathText} must be a single value, found a ${isMap(node) ? "mapping" : "list"}`,
    );
  }
  return { ok: true, walked: { kind: "value", node, shared } };
}

function isNode(value: unknown): value is Node {
  return isMap(value) || isSeq(value) || isScalar(value) || isAlias(value);
}

/**
 * A key of a mapping, its own first, then through `<<` merge keys in order
 * (the first merged mapping that has it wins, as YAML 1.1 says).
 */
function findKey(
  doc: Document.Parsed,
  map: YAMLMap,
  key: string,
  depth: number,
): { pair: Pair; merge: { pair: Pair; anchor: string | null } | null } | null {
  for (const item of map.items) {
    if (isScalar(item.key) && item.key.value !== "<<" && scalarText(item.key) === key) {
      return { pair: item, merge: null };
    }
  }
  if (depth >= MAX_MERGE_DEPTH) return null;
  for (const item of map.items) {
    if (!(isScalar(item.key) && item.key.value === "<<" && item.key.type === "PLAIN")) continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (const source of sources) {
      const anchor = isAlias(source) ? source.source : null;
      const target = isAlias(source) ? source.resolve(doc) : source;
      if (!isMap(target)) continue;
      const found = findKey(doc, target, key, depth + 1);
      if (found) return { ...found, merge: found.merge ?? { pair: item, anchor } };
    }
  }
  return null;
}

/** The line of `&anchor` (a block mapping starts on the line after its anchor). */
function anchorLine(yaml: YamlFile, node: Node | null, anchor: string): number {
  const start = node?.range?.[0] ?? 0;
  const at = yaml.text.lastIndexOf(`&${anchor}`, start);
  return yaml.lineCounter.linePos(at >= 0 ? at : start).line;
}

/**
 * A scalar as written: numbers and booleans keep their source text (`1.10`,
 * not 1.1); `""`, `null`, `~` and nothing at all are null; a block scalar
 * (`|`) is its text without the final line break.
 */
export function scalarText(node: Scalar): string | null {
  if (node.value === null || node.value === undefined) return null;
  if (typeof node.value === "string") {
    const text =
      node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED"
        ? node.value.replace(/\n+$/, "")
        : node.value;
    return text === "" ? null : text;
  }
  if (node.type === "PLAIN" && typeof node.source === "string") return node.source;
  return String(node.value);
}

/** One change to the text: replace [start, end) with `insert`. */
export interface Splice {
  start: number;
  end: number;
  insert: string;
}

export function applySplices(text: string, splices: readonly Splice[]): string {
  let out = text;
  for (const s of [...splices].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, s.start) + s.insert + out.slice(s.end);
  }
  return out;
}

/**
 * The splice that writes `value` into a scalar in the style it is written
 * in: quotes kept, a block scalar (`|`) keeps its header and indentation, an
 * empty `key:` gets a space and the value. A plain value is quoted (in the
 * file's own quote style) when a YAML 1.1 or 1.2 reader would take it for
 * something other than text.
 */
export function scalarSplice(
  yaml: YamlFile,
  node: Scalar,
  value: string,
): { ok: true; splice: Splice } | { ok: false; message: string } {
  const range = node.range;
  if (!range) return { ok: false, message: "the value has no position in the file" };
  const [start, end] = range;
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return { ok: true, splice: { start, end, insert: JSON.stringify(value) } };
    case "QUOTE_SINGLE":
      return { ok: true, splice: { start, end, insert: singleQuoted(value) } };
    case "BLOCK_LITERAL":
    case "BLOCK_FOLDED":
      return blockSplice(yaml.text, start, end, value);
    default: {
      const rendered = renderPlainOrQuoted(yaml, value);
      if (start === end) {
        // `key:` with nothing after it: the value needs a space after the colon.
        const before = yaml.text[start - 1];
        const insert = before === " " || before === "\t" ? rendered : ` ${rendered}`;
        return { ok: true, splice: { start, end, insert } };
      }
      return { ok: true, splice: { start, end, insert: rendered } };
    }
  }
}

/** A value as a plain scalar when every YAML reader takes it for this text, else quoted. */
function renderPlainOrQuoted(yaml: YamlFile, value: string): string {
  // Flow indicators and ": " would end a plain value early; "#" after a space starts a comment.
  if (readsAsText(value) && !/[,[\]{}]|: | #/.test(value)) return value;
  return fileQuoteStyle(yaml) === "single" ? singleQuoted(value) : JSON.stringify(value);
}

/**
 * True when `value` written plain reads back as the same text under both
 * YAML 1.2 (this file's parser) and YAML 1.1 (Go's yaml.v2 in Helm and
 * Argo CD), which also takes `on`, `yes`, `y`, `1_2`, `1:20`, `010` and
 * dates for booleans, numbers and times.
 */
function readsAsText(value: string): boolean {
  try {
    return parse(value) === value && parse(value, { version: "1.1" }) === value;
  } catch {
    return false;
  }
}

function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The quotes the file uses most for values; double when it uses none. */
function fileQuoteStyle(yaml: YamlFile): "single" | "double" {
  let single = 0;
  let double = 0;
  for (const doc of yaml.docs) {
    visit(doc, {
      Pair(_, pair) {
        if (isScalar(pair.value)) {
          if (pair.value.type === "QUOTE_SINGLE") single += 1;
          else if (pair.value.type === "QUOTE_DOUBLE") double += 1;
        }
      },
    });
  }
  return single > double ? "single" : "double";
}

/** Rewrites the one content line of a block scalar, keeping its header (`|`, `>-`) and indentation. */
function blockSplice(
  text: string,
  start: number,
  end: number,
  value: string,
): { ok: true; splice: Splice } | { ok: false; message: string } {
  const source = text.slice(start, end);
  const headerEnd = source.indexOf("\n");
  if (headerEnd < 0) return { ok: false, message: "the block scalar has no content line" };
  const body = source.slice(headerEnd + 1);
  const lines = body.split("\n").filter((line) => line.trim() !== "");
  if (lines.length !== 1) {
    return {
      ok: false,
      message: `the block scalar (| or >) holds ${lines.length} lines; write the version on one line`,
    };
  }
  const line = lines[0] as string;
  const token = line.trim();
  const offset = start + headerEnd + 1 + body.indexOf(line) + line.indexOf(token);
  return { ok: true, splice: { start: offset, end: offset + token.length, insert: value } };
}

/**
 * The splice that adds the keys `missing` (nested, the last one holding
 * `value`) to the mapping `parent`, written the way the file writes its
 * mappings: the parent's own indentation, the file's indentation step and
 * line endings in a block mapping; `, key: value` in a flow mapping.
 */
export function addKeysSplice(
  yaml: YamlFile,
  parent: YAMLMap,
  missing: readonly string[],
  value: string,
): { ok: true; splice: Splice } | { ok: false; message: string } {
  const { text } = yaml;
  const range = parent.range;
  if (!range || missing.length === 0) return { ok: false, message: "the mapping has no position" };
  const keys = missing.map((key) => renderKey(yaml, key));
  if (parent.flow) {
    const close = range[1] - 1;
    if (text[close] !== "}") return { ok: false, message: "the flow mapping has no closing brace" };
    const inner = keys.reduceRight(
      (acc, key, index) => (index === keys.length - 1 ? `${key}: ${acc}` : `${key}: {${acc}}`),
      renderPlainOrQuoted(yaml, value),
    );
    const last = parent.items[parent.items.length - 1];
    const lastEnd = last ? (isNodeWithRange(last.value) ?? isNodeWithRange(last.key)) : null;
    if (lastEnd === null) {
      return { ok: true, splice: { start: range[0] + 1, end: range[0] + 1, insert: inner } };
    }
    return { ok: true, splice: { start: lastEnd, end: lastEnd, insert: `, ${inner}` } };
  }

  const first = parent.items[0];
  const last = parent.items[parent.items.length - 1];
  const firstKeyStart = first && isScalar(first.key) ? first.key.range?.[0] : undefined;
  const lastEnd = last ? (isNodeWithRange(last.value) ?? isNodeWithRange(last.key)) : null;
  if (firstKeyStart === undefined || lastEnd === null) {
    return { ok: false, message: "the mapping's keys have no position" };
  }
  const indent = firstKeyStart - (text.lastIndexOf("\n", firstKeyStart - 1) + 1);
  const step = indentStep(yaml);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = keys.map((key, index) => {
    const pad = " ".repeat(indent + index * step);
    const rendered = index === keys.length - 1 ? ` ${renderPlainOrQuoted(yaml, value)}` : "";
    return `${pad}${key}:${rendered}`;
  });
  let at: number;
  let prefix = "";
  if (text[lastEnd - 1] === "\n") {
    at = lastEnd;
  } else {
    const newline = text.indexOf("\n", lastEnd);
    if (newline < 0) {
      at = text.length;
      prefix = eol;
    } else {
      at = newline + 1;
    }
  }
  const insert = `${prefix}${lines.join(eol)}${prefix === "" ? eol : ""}`;
  return { ok: true, splice: { start: at, end: at, insert } };
}

function isNodeWithRange(value: unknown): number | null {
  if (isScalar(value) || isMap(value) || isSeq(value) || isAlias(value))
    return value.range?.[1] ?? null;
  return null;
}

function renderKey(yaml: YamlFile, key: string): string {
  return readsAsText(key) && !/[:#,[\]{}]/.test(key) ? key : renderPlainOrQuoted(yaml, key);
}

/** How far the file indents a nested block mapping under its parent's keys; 2 when it has none. */
function indentStep(yaml: YamlFile): number {
  let step: number | null = null;
  for (const doc of yaml.docs)
    visit(doc, {
      Map(_, map, path) {
        if (step !== null || map.flow) return;
        const owner = path[path.length - 1];
        const grand = path[path.length - 2];
        if (!(owner && grand && isMap(grand) && !grand.flow && "key" in owner)) return;
        const parentKey = (owner as Pair).key;
        const childKey = map.items[0]?.key;
        if (!isScalar(parentKey) || !isScalar(childKey)) return;
        const p = parentKey.range?.[0];
        const c = childKey.range?.[0];
        if (p === undefined || c === undefined) return;
        const pc = yaml.lineCounter.linePos(p).col;
        const cc = yaml.lineCounter.linePos(c).col;
        if (cc > pc) step = cc - pc;
      },
    });
  return step ?? 2;
}
