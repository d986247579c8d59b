import { isAlias, isMap, isScalar, isSeq, type Node, parse, type Scalar } from "yaml";
import { type LocatedError, parseYaml, positionOf } from "@/lib/gitops-repo/located";
import { isValidVersion } from "@/lib/gitops-repo/version";

/** Where a version lives in one file. Data: stored on the catalogue cell as JSON. */
export type VersionLocator =
  /** A YAML scalar at a key path: `image.tag`, `spec.values.image.tag`, list selectors
   *  `images[name=ghcr.io/acme/api].newTag`, indexes `spec.template.spec.containers[0].image`. */
  | { kind: "yaml"; file: string; path: string }
  /** A YAML string at `path` holding an image reference `registry/name:tag@sha256:…`; the tag part is the version
   *  (the digest part, when present, is the paired digest). */
  | { kind: "image-reference"; file: string; path: string }
  /** A chart version (Flux `spec.chart.spec.version`, Argo CD `targetRevision` of a Helm source); may be a
   *  semver range (`>=1.0.0 <2.0.0`, `6.x`, `*`). */
  | { kind: "helm-chart-version"; file: string; path: string }
  /** An entry of a kustomization.yaml `images:` list, matched by `name`: version in `newTag`, paired `digest`. */
  | { kind: "kustomize-image"; file: string; image: string };

export type LocatorRead =
  | {
      ok: true;
      /** The version as written; null when the key is missing, empty (`""`), `null` or `~` (promotable from). */
      value: string | null;
      /** True when `value` is a semver range rather than one version. */
      isRange: boolean;
      /** The digest paired with the version (tag+digest field, or `@sha256:` part), when there is one. */
      digest: string | null;
      line: number;
      column: number;
    }
  | { ok: false; error: LocatedError };

export type LocatorWrite =
  | { ok: true; text: string; previous: string | null; changed: boolean }
  | { ok: false; error: LocatedError };

type Step = { key: string } | { index: number } | { field: string; equals: string };

/** `images[name=ghcr.io/a.b].newTag` → key images, selector, key newTag (dots inside [] are not separators). */
function parsePath(path: string): Step[] | null {
  const steps: Step[] = [];
  const pattern = /([^.[\]]+)|\[([^\]]*)\]|\./gy;
  let match: RegExpExecArray | null = pattern.exec(path);
  while (match !== null) {
    if (match[1] !== undefined) steps.push({ key: match[1] });
    else if (match[2] !== undefined) {
      const inner = match[2];
      const equals = inner.indexOf("=");
      if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (equals > 0)
        steps.push({ field: inner.slice(0, equals), equals: inner.slice(equals + 1) });
      else return null;
    }
    if (pattern.lastIndex >= path.length) break;
    match = pattern.exec(path);
  }
  return pattern.lastIndex === path.length && steps.length > 0 ? steps : null;
}

interface Found {
  /** The scalar holding the value, or null when the last key is missing or empty. */
  scalar: Scalar | null;
  /** The node to report a position at. */
  at: Node | null;
}

function walk(
  contents: unknown,
  steps: Step[],
  resolve: (node: unknown) => unknown,
): Found | { error: string; at: Node | null } {
  let node = resolve(contents);
  let at: Node | null = isMap(node) || isSeq(node) || isScalar(node) ? node : null;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    const last = i === steps.length - 1;
    let next: unknown;
    if ("key" in step) {
      if (!isMap(node)) return { error: `expected a mapping to hold "${step.key}"`, at };
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === step.key);
      if (!pair) {
        if (last) return { scalar: null, at };
        return { error: `"${step.key}" is missing`, at };
      }
      next = pair.value;
      if (next === null || next === undefined) {
        if (last) return { scalar: null, at: isScalar(pair.key) ? pair.key : at };
        return { error: `"${step.key}" is empty`, at };
      }
    } else if ("index" in step) {
      if (!isSeq(node)) return { error: `expected a list for [${step.index}]`, at };
      next = node.items[step.index];
      if (next === undefined) return { error: `the list has no item [${step.index}]`, at };
    } else {
      if (!isSeq(node)) return { error: `expected a list for [${step.field}=${step.equals}]`, at };
      next = node.items.find((item) => {
        const entry = resolve(item);
        if (!isMap(entry)) return false;
        const value = entry.get(step.field, true);
        return isScalar(value) && String(value.value) === step.equals;
      });
      if (next === undefined)
        return { error: `no list item has ${step.field}: ${step.equals}`, at };
    }
    if (isAlias(next)) {
      return {
        error: `the value is an alias (*${next.source}); write it out so it can be read and promoted`,
        at: next,
      };
    }
    node = next;
    if (isMap(node) || isSeq(node) || isScalar(node)) at = node;
  }
  if (!isScalar(node)) return { error: "expected a single value, found a mapping or list", at };
  return { scalar: node, at: node };
}

function scalarText(node: Scalar): string | null {
  if (node.value === null || node.value === undefined) return null;
  if (typeof node.value === "string") return node.value === "" ? null : node.value;
  if (node.type === "PLAIN" && typeof node.source === "string") return node.source;
  return String(node.value);
}

function isRangeText(value: string): boolean {
  return /[\s<>^~*|]|(^|\.)[xX](\.|$)/.test(value);
}

/** Splits `registry:5000/name:tag@sha256:…` into its parts; the port is not a tag. */
function splitReference(value: string): {
  name: string;
  tag: string | null;
  digest: string | null;
} {
  const at = value.indexOf("@");
  const base = at >= 0 ? value.slice(0, at) : value;
  const digest = at >= 0 ? value.slice(at + 1) : null;
  const colon = base.lastIndexOf(":");
  if (colon > base.lastIndexOf("/"))
    return { name: base.slice(0, colon), tag: base.slice(colon + 1), digest };
  return { name: base, tag: null, digest };
}

interface Located {
  text: string;
  file: string;
  versionScalar: Scalar | null;
  digestScalar: Scalar | null;
  value: string | null;
  digest: string | null;
  isRange: boolean;
  reference: { name: string; tag: string | null; digest: string | null } | null;
  position: { line: number; column: number };
}

function locate(text: string, locator: VersionLocator): Located | { error: LocatedError } {
  const file = locator.file;
  const parsed = parseYaml(text, file);
  if (!parsed.ok) return { error: parsed.error };
  const { doc, lineCounter } = parsed.value;
  const resolve = (node: unknown) => (isAlias(node) ? node.resolve(doc) : node);
  const pathText = locator.kind === "kustomize-image" ? "images" : locator.path;
  const steps = parsePath(pathText);
  if (!steps) {
    return { error: { file, line: 1, column: 1, message: `"${pathText}" is not a key path` } };
  }
  const fail = (at: Node | null, message: string) => ({
    error: { file, ...positionOf(at, lineCounter), message },
  });
  if (locator.kind === "kustomize-image") {
    const images = walkToCollection(doc.contents, resolve);
    if (!isSeq(images)) return fail(null, `${file} has no images: list`);
    const entry = images.items.find((item) => {
      const map = resolve(item);
      return isMap(map) && String(map.get("name")) === locator.image;
    });
    const map = resolve(entry);
    if (!isMap(map)) return fail(images, `images has no entry named ${locator.image}`);
    const tag = map.get("newTag", true);
    const digest = map.get("digest", true);
    const tagScalar = isScalar(tag) ? tag : null;
    const digestScalar = isScalar(digest) ? digest : null;
    return {
      text,
      file,
      versionScalar: tagScalar,
      digestScalar,
      value: tagScalar ? scalarText(tagScalar) : null,
      digest: digestScalar ? scalarText(digestScalar) : null,
      isRange: false,
      reference: null,
      position: positionOf(tagScalar ?? map, lineCounter),
    };
  }
  const found = walk(doc.contents, steps, resolve);
  if ("error" in found) return fail(found.at, `${locator.path}: ${found.error}`);
  const raw = found.scalar ? scalarText(found.scalar) : null;
  const position = positionOf(found.at, lineCounter);
  if (locator.kind === "image-reference") {
    const reference = raw === null ? null : splitReference(raw);
    return {
      text,
      file,
      versionScalar: found.scalar,
      digestScalar: null,
      value: reference?.tag ?? null,
      digest: reference?.digest ?? null,
      isRange: false,
      reference,
      position,
    };
  }
  return {
    text,
    file,
    versionScalar: found.scalar,
    digestScalar: null,
    value: raw,
    digest: null,
    isRange: locator.kind === "helm-chart-version" && raw !== null && isRangeText(raw),
    reference: null,
    position,
  };
}

function walkToCollection(contents: unknown, resolve: (node: unknown) => unknown): unknown {
  const top = resolve(contents);
  return isMap(top) ? resolve(top.get("images", true)) : null;
}

export function readLocator(text: string, locator: VersionLocator): LocatorRead {
  const found = locate(text, locator);
  if ("error" in found) return { ok: false, error: found.error };
  return {
    ok: true,
    value: found.value,
    isRange: found.isRange,
    digest: found.digest,
    ...found.position,
  };
}

function renderLike(node: Scalar, value: string): string {
  if (node.type === "QUOTE_DOUBLE") return JSON.stringify(value);
  if (node.type === "QUOTE_SINGLE") return `'${value}'`;
  try {
    return parse(value) === value ? value : JSON.stringify(value);
  } catch {
    return JSON.stringify(value);
  }
}

/** Writes `version` (and `digest` when the locator has a paired digest) changing only those bytes. */
export function writeLocator(
  text: string,
  locator: VersionLocator,
  next: { version: string; digest?: string | null },
  options?: { pinRanges?: boolean; addMissingKey?: boolean },
): LocatorWrite {
  const found = locate(text, locator);
  if ("error" in found) return { ok: false, error: found.error };
  const at = (message: string): LocatorWrite => ({
    ok: false,
    error: { file: locator.file, ...found.position, message },
  });
  if (!isValidVersion(next.version)) {
    return at(`"${next.version.slice(0, 80)}" is not a valid version`);
  }
  if (found.isRange && !options?.pinRanges) {
    return at(
      `${describeLocator(locator)} is the range "${found.value}"; set pinRanges: true in gantry.yaml to write an exact version`,
    );
  }
  if (found.digest !== null && !next.digest) {
    return at(
      `${describeLocator(locator)} is pinned to a digest; the digest of ${next.version} is unknown`,
    );
  }
  const edits: { range: [number, number]; text: string }[] = [];
  const scalar = found.versionScalar;
  if (!scalar?.range) {
    return at(`${describeLocator(locator)} has no value to replace; write one in the file first`);
  }
  if (found.reference) {
    const { name, digest } = found.reference;
    const reference = `${name}:${next.version}${digest !== null ? `@${next.digest}` : ""}`;
    edits.push({ range: [scalar.range[0], scalar.range[1]], text: renderLike(scalar, reference) });
  } else {
    edits.push({
      range: [scalar.range[0], scalar.range[1]],
      text: renderLike(scalar, next.version),
    });
    if (found.digestScalar?.range && next.digest) {
      edits.push({
        range: [found.digestScalar.range[0], found.digestScalar.range[1]],
        text: renderLike(found.digestScalar, next.digest),
      });
    }
  }
  if (found.value === next.version && (found.digest ?? null) === (next.digest ?? found.digest)) {
    return { ok: true, text, previous: found.value, changed: false };
  }
  let out = text;
  for (const edit of edits.sort((a, b) => b.range[0] - a.range[0])) {
    out = out.slice(0, edit.range[0]) + edit.text + out.slice(edit.range[1]);
  }
  const check = readLocator(out, locator);
  if (!check.ok || check.value !== next.version) {
    return at(`could not write ${describeLocator(locator)} without changing the rest of the file`);
  }
  return { ok: true, text: out, previous: found.value, changed: true };
}

/** One line for people: `apps/api/values.yaml → image.tag`, `kustomization.yaml → images[name=x]`. */
export function describeLocator(locator: VersionLocator): string {
  switch (locator.kind) {
    case "kustomize-image":
      return `${locator.file} → images[name=${locator.image}]`;
    case "image-reference":
      return `${locator.file} → ${locator.path} (tag)`;
    case "helm-chart-version":
      return `${locator.file} → ${locator.path} (chart version)`;
    default:
      return `${locator.file} → ${locator.path}`;
  }
}
