/**
 * Key paths into a YAML document, as written in locators and in `gantry.yaml`.
 *
 * Syntax:
 * - `image.tag`: keys separated by dots.
 * - `containers[0].image`: `[N]` picks the Nth item (from 0) of a list.
 * - `images[name=ghcr.io/acme/api].newTag`: `[field=value]` picks the one item of a
 *   list whose `field` is `value`; the value runs to the closing `]`, so it may hold
 *   dots, slashes and colons (`parameters[name=image.tag].value`); the field may be
 *   a dotted path below the item (`[metadata.name=api]`).
 * - In a file of several YAML documents (`---`), a path starting with `[N]` or
 *   `[field=value]` picks the document (`[kind=HelmRelease].spec.chart.spec.version`);
 *   without one, the path must lead to a value in exactly one document.
 * - A key holding dots, brackets or quotes is written in double quotes, either after
 *   a dot or in brackets: `metadata.annotations."gantry.io/version"` or
 *   `metadata.annotations["gantry.io/version"]`; inside quotes `\"` and `\\` stand for
 *   `"` and `\`. A selector value may be quoted the same way (`[name="a]b"]`).
 */
export type KeyPathSegment =
  | { kind: "key"; key: string }
  | { kind: "index"; index: number }
  | { kind: "select"; field: string; value: string };

export type KeyPathParse =
  | { ok: true; segments: KeyPathSegment[] }
  | { ok: false; message: string };

const MAX_PATH_LENGTH = 1000;
const MAX_INDEX = 100_000;

export function parseKeyPath(path: string): KeyPathParse {
  const fail = (at: number, what: string): KeyPathParse => ({
    ok: false,
    message: `key path "${path.slice(0, 120)}" at character ${at + 1}: ${what}`,
  });
  if (path.length === 0) return { ok: false, message: "the key path is empty" };
  if (path.length > MAX_PATH_LENGTH) {
    return { ok: false, message: `the key path is longer than ${MAX_PATH_LENGTH} characters` };
  }
  const segments: KeyPathSegment[] = [];
  let i = 0;
  // A key is expected at the start and after every dot; brackets may follow any segment.
  let expectKey = true;
  while (i < path.length) {
    const c = path[i];
    if (c === "[") {
      if (segments.length === 0 && !expectKey) return fail(i, "unexpected [");
      const close = readBracket(path, i);
      if (!close.ok) return fail(i, close.message);
      segments.push(close.segment);
      i = close.end;
      expectKey = false;
    } else if (c === ".") {
      if (expectKey) return fail(i, "expected a key before the dot");
      expectKey = true;
      i += 1;
      if (i >= path.length) return fail(i - 1, "the path ends with a dot");
    } else {
      if (!expectKey) return fail(i, 'expected ".", "[" or the end of the path');
      if (c === '"') {
        const quoted = readQuoted(path, i);
        if (!quoted.ok) return fail(i, quoted.message);
        segments.push({ kind: "key", key: quoted.value });
        i = quoted.end;
      } else {
        let end = i;
        while (end < path.length && !".[]\"'".includes(path.charAt(end))) end += 1;
        if (end === i) return fail(i, `unexpected ${path.charAt(i)}`);
        segments.push({ kind: "key", key: path.slice(i, end) });
        i = end;
      }
      expectKey = false;
    }
  }
  if (segments.length === 0) return { ok: false, message: "the key path is empty" };
  return { ok: true, segments };
}

function readBracket(
  path: string,
  start: number,
): { ok: true; segment: KeyPathSegment; end: number } | { ok: false; message: string } {
  let i = start + 1;
  if (path[i] === '"') {
    const quoted = readQuoted(path, i);
    if (!quoted.ok) return quoted;
    if (path[quoted.end] !== "]")
      return { ok: false, message: 'expected "]" after the quoted key' };
    return { ok: true, segment: { kind: "key", key: quoted.value }, end: quoted.end + 1 };
  }
  const digits = /^\d+(?=\])/.exec(path.slice(i));
  if (digits) {
    const index = Number(digits[0]);
    if (index > MAX_INDEX) return { ok: false, message: `index ${digits[0]} is too large` };
    return { ok: true, segment: { kind: "index", index }, end: i + digits[0].length + 1 };
  }
  const eq = path.indexOf("=", i);
  const firstClose = path.indexOf("]", i);
  if (eq < 0 || (firstClose >= 0 && firstClose < eq)) {
    return { ok: false, message: "expected [N] or [field=value]" };
  }
  const field = path.slice(i, eq);
  if (!/^[^.[\]"'=]+(\.[^.[\]"'=]+)*$/.test(field)) {
    return { ok: false, message: `"${field}" is not a field name for a selector` };
  }
  i = eq + 1;
  if (path[i] === '"') {
    const quoted = readQuoted(path, i);
    if (!quoted.ok) return quoted;
    if (path[quoted.end] !== "]")
      return { ok: false, message: 'expected "]" after the quoted value' };
    return {
      ok: true,
      segment: { kind: "select", field, value: quoted.value },
      end: quoted.end + 1,
    };
  }
  const close = path.indexOf("]", i);
  if (close < 0) return { ok: false, message: 'the selector has no closing "]"' };
  const value = path.slice(i, close);
  if (value === "") return { ok: false, message: "the selector's value is empty" };
  return { ok: true, segment: { kind: "select", field, value }, end: close + 1 };
}

function readQuoted(
  path: string,
  start: number,
): { ok: true; value: string; end: number } | { ok: false; message: string } {
  let value = "";
  let i = start + 1;
  while (i < path.length) {
    const c = path[i];
    if (c === "\\") {
      const next = path[i + 1];
      if (next !== '"' && next !== "\\")
        return { ok: false, message: 'only \\" and \\\\ may follow \\' };
      value += next;
      i += 2;
    } else if (c === '"') {
      if (value === "") return { ok: false, message: "a quoted key is empty" };
      return { ok: true, value, end: i + 1 };
    } else {
      value += c;
      i += 1;
    }
  }
  return { ok: false, message: "a quoted key has no closing quote" };
}

/** The path's text, quoting keys that need it: the inverse of `parseKeyPath`. */
export function formatKeyPath(segments: readonly KeyPathSegment[]): string {
  let out = "";
  for (const segment of segments) {
    if (segment.kind === "index") out += `[${segment.index}]`;
    else if (segment.kind === "select") {
      const plain = !/[\]"]/.test(segment.value) && !segment.value.startsWith('"');
      out += `[${segment.field}=${plain ? segment.value : quote(segment.value)}]`;
    } else {
      const key = /^[^.[\]"']+$/.test(segment.key) ? segment.key : quote(segment.key);
      out += out === "" ? key : `.${key}`;
    }
  }
  return out;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
