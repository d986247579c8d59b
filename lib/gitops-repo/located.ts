import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import type { z } from "zod";

/** A problem in a file, at a 1-based line and column, in words a person can act on. */
export interface LocatedError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: LocatedError };

interface ParsedYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/**
 * Bounds on one file, so one hostile or mistaken file is a problem on its
 * app and never stalls or fails the whole import: its size, and how many
 * times aliases may be expanded when it is read (a "billion laughs" file
 * is a few hundred bytes that expand to gigabytes).
 */
export const MAX_YAML_BYTES = 1024 * 1024;
const MAX_ALIAS_COUNT = 100;

/** Parses one YAML document; a syntax error comes back located, never thrown. */
export function parseYaml(
  text: string,
  file: string,
): { ok: true; value: ParsedYaml } | { ok: false; error: LocatedError } {
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
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
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
  return { ok: true, value: { doc, lineCounter } };
}

/** The 1-based position of a node, or of the start of the file when there is none. */
export function positionOf(
  node: Node | null | undefined,
  lineCounter: LineCounter,
): { line: number; column: number } {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line: Math.max(line, 1), column: Math.max(col, 1) };
}

/**
 * The node a path points at, or the deepest node on the way when the path
 * does not exist (so "name is required" points at the mapping that lacks it).
 * For a key whose value is empty (`name:`), the key itself.
 */
function nodeAtPath(doc: Document.Parsed, path: readonly PropertyKey[]): Node | null {
  let node: unknown = doc.contents;
  let deepest: Node | null = isNode(node) ? node : null;
  for (const key of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key),
      );
      if (!pair) return deepest;
      if (!isNode(pair.value) || !pair.value.range) {
        return isNode(pair.key) ? pair.key : deepest;
      }
      next = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      next = node.items[key];
    } else {
      return deepest;
    }
    if (!isNode(next)) return deepest;
    node = next;
    deepest = next;
  }
  return deepest;
}

/**
 * Parses `text` as YAML and validates it with `schema`. Both kinds of
 * mistake come back with the line and column of the offending node, and the
 * message names the key (`links[1].url: must be an http or https URL`).
 */
export function parseWithSchema<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: { emptyMessage: string },
): ParseResult<z.output<S>> {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return parsed;
  const { doc, lineCounter } = parsed.value;
  if (doc.contents === null) {
    return { ok: false, error: { file, line: 1, column: 1, message: options.emptyMessage } };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past the bound.
    if (!(error instanceof ReferenceError)) throw error;
    return {
      ok: false,
      error: {
        file,
        line: 1,
        column: 1,
        message: `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} uses); write the values out`,
      },
    };
  }
  const result = schema.safeParse(value, { error: readableIssue });
  if (result.success) return { ok: true, value: result.data };

  const issues = result.error.issues;
  const issue = issues[0];
  if (!issue) {
    return { ok: false, error: { file, line: 1, column: 1, message: "invalid content" } };
  }
  const position = positionOf(nodeAtPath(doc, issue.path), lineCounter);
  const where = formatPath(issue.path);
  const more =
    issues.length > 1
      ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})`
      : "";
  return {
    ok: false,
    error: { file, ...position, message: `${where ? `${where}: ` : ""}${issue.message}${more}` },
  };
}

/** `["links", 1, "url"]` → `links[1].url` */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * zod's default messages speak TypeScript ("expected string, received
 * number"); these speak YAML to the person who wrote the file. Messages set
 * on a schema itself (slug rules, URL rules) take precedence over these.
 */
const readableIssue: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      const found = describeValue(issue.input);
      if (
        issue.expected === "string" &&
        (typeof issue.input === "number" || typeof issue.input === "boolean")
      ) {
        return `must be text, found ${found} (put it in quotes)`;
      }
      return `must be ${expectedNoun(issue.expected)}, found ${found}`;
    }
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => String(v)).join(", ")}; found ${describeValue(issue.input)}`;
    case "too_small":
      if (issue.origin === "string")
        return issue.minimum === 1
          ? "must not be empty"
          : `must be at least ${issue.minimum} characters`;
      if (issue.origin === "array")
        return `must list at least ${issue.minimum} item${issue.minimum === 1 ? "" : "s"}`;
      return undefined;
    case "too_big":
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      if (issue.origin === "array") return `must list at most ${issue.maximum} items`;
      return undefined;
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    default:
      return undefined;
  }
};

function expectedNoun(expected: string): string {
  switch (expected) {
    case "string":
      return "text";
    case "object":
    case "record":
      return "a mapping (key: value)";
    case "array":
      return "a list";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return `${typeof value} ${String(value)}`;
}
