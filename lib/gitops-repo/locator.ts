import { z } from "zod";
import { embeddedYaml } from "@/lib/gitops-repo/embedded-yaml";
import {
  formatImageReference,
  isImageDigest,
  isImageTag,
  parseImageReference,
} from "@/lib/gitops-repo/image-reference";
import { formatKeyPath, type KeyPathSegment, parseKeyPath } from "@/lib/gitops-repo/key-path";
import { type LocatedError, positionOf } from "@/lib/gitops-repo/located";
import { isVersionRange } from "@/lib/gitops-repo/version-order";
import { isValidVersion } from "@/lib/gitops-repo/version-syntax";
import {
  addKeysSplice,
  applySplices,
  openYaml,
  type Position,
  type SharedValue,
  type Splice,
  scalarSplice,
  scalarText,
  type Walked,
  walkPath,
  type YamlFile,
} from "@/lib/gitops-repo/yaml-edit";

/**
 * Where a version lives in one file, and how to read and write it there.
 *
 * Texts are strings; a file whose bytes were not UTF-8 must not reach here
 * decoded leniently: decode with `decodeUtf8Strict` (lib/gitops-repo/utf8.ts),
 * and every function here refuses a text holding U+FFFD (the mark a lenient
 * decoder leaves), with its line and column, rather than rewrite a file whose
 * bytes were already lost.
 *
 * Key paths: see lib/gitops-repo/key-path.ts (`image.tag`, `containers[0].image`,
 * `images[name=ghcr.io/acme/api].newTag`, `annotations."gantry.io/version"`).
 */

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
  /** An entry of a kustomization.yaml `images:` list, matched by `name`: version in `newTag`, paired `digest`.
   *  `newName`, when the entry (or the one it overrides) renames the image, is what the cluster pulls:
   *  shown, never written. */
  | { kind: "kustomize-image"; file: string; image: string; newName?: string }
  /** A key path (`inner`) in YAML written inside the string at `path`: Argo CD's inline
   *  `helm.values: |`. Written only when the string is a literal block. */
  | { kind: "embedded-yaml"; file: string; path: string; inner: string };

export type LocatorRead =
  | {
      ok: true;
      /** The version as written; null when the key is missing, empty (`""`), `null` or `~` (promotable from). */
      value: string | null;
      /** True when `value` is a semver range rather than one version. */
      isRange: boolean;
      /** The digest paired with the version (tag+digest field, or `@sha256:` part), when there is one. */
      digest: string | null;
      line: number; // 1-based, of the value (or of the parent mapping when the key is missing)
      column: number;
    }
  | { ok: false; error: LocatedError };

export type LocatorWrite =
  | { ok: true; text: string; previous: string | null; changed: boolean }
  | { ok: false; error: LocatedError };

const locatorFile = z
  .string()
  .min(1, "must not be empty")
  .max(1000, "must be at most 1000 characters")
  .refine((file) => !file.startsWith("/") && !file.split("/").includes(".."), {
    message: "must be a path inside the repository",
  });
const locatorPath = z
  .string()
  .max(1000, "must be at most 1000 characters")
  .superRefine((path, ctx) => {
    const parsed = parseKeyPath(path);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
  });

/** A locator read back from storage or a layout file: bounded, with a key path that parses. */
export const versionLocatorSchema: z.ZodType<VersionLocator> = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("yaml"), file: locatorFile, path: locatorPath }).strict(),
  z.object({ kind: z.literal("image-reference"), file: locatorFile, path: locatorPath }).strict(),
  z
    .object({ kind: z.literal("helm-chart-version"), file: locatorFile, path: locatorPath })
    .strict(),
  z
    .object({
      kind: z.literal("kustomize-image"),
      file: locatorFile,
      image: z.string().min(1, "must not be empty").max(500, "must be at most 500 characters"),
      newName: z.string().min(1).max(500, "must be at most 500 characters").optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("embedded-yaml"),
      file: locatorFile,
      path: locatorPath,
      inner: locatorPath,
    })
    .strict(),
]);

/** The sibling key that pins an image tag to a digest (`tag:` + `digest:`, kustomize `newTag` + `digest`). */
const DIGEST_KEY = "digest";

/** One line for people: `apps/api/values.yaml → image.tag`, `kustomization.yaml → images[name=x]`. */
export function describeLocator(locator: VersionLocator): string {
  switch (locator.kind) {
    case "yaml":
      return `${locator.file} → ${locator.path}`;
    case "image-reference":
      return `${locator.file} → ${locator.path} (image tag)`;
    case "helm-chart-version":
      return `${locator.file} → ${locator.path} (chart version)`;
    case "embedded-yaml":
      return `${locator.file} → ${locator.path} (inline values) → ${locator.inner}`;
    case "kustomize-image":
      return `${locator.file} → ${formatKeyPath([
        { kind: "key", key: "images" },
        { kind: "select", field: "name", value: locator.image },
      ])}${locator.newName === undefined ? "" : ` (pulled as ${locator.newName})`}`;
  }
}

export function readLocator(text: string, locator: VersionLocator): LocatorRead {
  const found = locate(text, locator);
  if (!found.ok) return found;
  const { value, isRange, digest, position } = found.located;
  return { ok: true, value, isRange, digest, ...position };
}

/** Writes `version` (and `digest` when the locator has a paired digest) changing only those bytes. */
export function writeLocator(
  text: string,
  locator: VersionLocator,
  next: { version: string; digest?: string | null },
  options: { pinRanges?: boolean; addMissingKey?: boolean } = {},
): LocatorWrite {
  const found = locate(text, locator);
  if (!found.ok) return found;
  const current = found.located;
  const { file } = locator;
  const at = (message: string, position: Position = current.position): LocatorWrite => ({
    ok: false,
    error: { file, ...position, message },
  });
  const what = current.what;

  const version = next.version;
  const tagLike = locator.kind === "image-reference" || locator.kind === "kustomize-image";
  if (tagLike ? !isImageTag(version) : !isValidVersion(version)) {
    return at(
      `"${version.slice(0, 80)}" is not a valid ${tagLike ? "image tag" : "version"}: use letters, digits and ${tagLike ? ". _ -" : ". _ + @ : -"} (no spaces)`,
    );
  }
  if (isVersionRange(version, { partialIsRange: locator.kind === "helm-chart-version" })) {
    return at(`"${version.slice(0, 80)}" is a range; write one exact version`);
  }
  const digest = next.digest ?? null;
  if (digest !== null && !isImageDigest(digest)) {
    return at(`"${digest.slice(0, 80)}" is not a digest (algorithm:hex, as sha256:…)`);
  }
  if (current.isRange && !options.pinRanges) {
    return at(
      `${what} is the range "${current.value}"; Gantry writes an exact version over a range only when the layout file (gantry.yaml) sets pinRanges: true`,
    );
  }
  if (current.value === version && (digest === null || digest === current.digest)) {
    return { ok: true, text, previous: current.value, changed: false };
  }
  if (current.digest !== null && digest === null) {
    return at(
      `${what} is pinned to the digest ${current.digest.slice(0, 19)}…, and the digest of ${version} is unknown: writing the tag alone would keep running the old image. Register the release with its digest, or remove the digest from ${file}`,
    );
  }
  // A digest is written only where the file already pins one: adding a pin changes how the image is chosen.
  const writeDigest = current.digest !== null ? digest : null;

  const planned = current.write(version, writeDigest, options);
  if (!planned.ok) return at(planned.message, planned.position ?? current.position);
  const written = applySplices(text, planned.splices);

  // The splice is checked, not trusted: the file must read back as the new
  // version (and digest), or nothing is returned.
  const check = locate(written, locator);
  if (
    !check.ok ||
    check.located.value !== version ||
    (writeDigest !== null && check.located.digest !== writeDigest)
  ) {
    return at(`could not write ${what} without changing the rest of the file`);
  }
  return { ok: true, text: written, previous: current.value, changed: true };
}

/** One file of values an environment's version may come from, with the locator of the version in it. */
export interface LocatorLayer {
  locator: VersionLocator;
  text: string;
}

export type LayeredRead =
  | {
      ok: true;
      /** Index of the layer that decides the version: the one to show, and to write when promoting. */
      decidedBy: number;
      read: Extract<LocatorRead, { ok: true }>;
    }
  | { ok: false; error: LocatedError };

/**
 * The version an environment runs when several files set it, given in
 * increasing precedence (an Argo CD source's `valueFiles` in order, say
 * `values.yaml` then `values-production.yaml`): the last file that sets the
 * key decides, even when it sets it empty (`tag: ""`). When none sets it,
 * the last file decides, read as missing (null), since that is the
 * environment's own file, where a version would be added.
 */
export function readLayeredLocators(
  layers: readonly [LocatorLayer, ...LocatorLayer[]],
): LayeredRead {
  let decided: { index: number; read: Extract<LocatorRead, { ok: true }> } | null = null;
  let last: Extract<LocatorRead, { ok: true }> | null = null;
  for (const [index, layer] of layers.entries()) {
    const found = locate(layer.text, layer.locator);
    if (!found.ok) return found;
    const { value, isRange, digest, position, present } = found.located;
    const read = { ok: true as const, value, isRange, digest, ...position };
    if (present) decided = { index, read };
    last = read;
  }
  if (decided) return { ok: true, decidedBy: decided.index, read: decided.read };
  if (!last) throw new Error("readLayeredLocators needs at least one layer");
  return { ok: true, decidedBy: layers.length - 1, read: last };
}

type WritePlan =
  | { ok: true; splices: Splice[] }
  | { ok: false; message: string; position?: Position };

interface Located {
  value: string | null;
  /** False when the key is missing from the file (an empty value is present). */
  present: boolean;
  isRange: boolean;
  digest: string | null;
  position: Position;
  /** The locator in words, for messages: `image.tag`, `images[name=x].newTag`. */
  what: string;
  write(version: string, digest: string | null, options: { addMissingKey?: boolean }): WritePlan;
}

type LocateResult = { ok: true; located: Located } | { ok: false; error: LocatedError };

function locate(text: string, locator: VersionLocator): LocateResult {
  const opened = openYaml(text, locator.file);
  if (!opened.ok) return opened;
  const yaml = opened.yaml;
  const path = pathOf(locator);
  if (!path.ok)
    return { ok: false, error: { file: locator.file, line: 1, column: 1, message: path.message } };
  const segments = path.segments;
  switch (locator.kind) {
    case "yaml":
    case "helm-chart-version":
      return locateVersion(yaml, segments, {
        partialIsRange: locator.kind === "helm-chart-version",
        pairedDigest: locator.kind === "yaml",
      });
    case "kustomize-image":
      return locateVersion(yaml, [...segments, { kind: "key", key: "newTag" }], {
        partialIsRange: false,
        pairedDigest: true,
      });
    case "image-reference":
      return locateImageReference(yaml, segments);
    case "embedded-yaml":
      return locateEmbedded(yaml, segments, locator);
  }
}

/** A version inside YAML written in a string of the file (inline Helm values). */
function locateEmbedded(
  yaml: YamlFile,
  segments: KeyPathSegment[],
  locator: Extract<VersionLocator, { kind: "embedded-yaml" }>,
): LocateResult {
  const where = formatKeyPath(segments);
  const walked = walkPath(yaml, segments);
  if (!walked.ok) return walked;
  const string = walked.walked;
  const position = walkedPosition(yaml, string);
  const fail = (message: string, at: Position = position): LocateResult => ({
    ok: false,
    error: { file: yaml.file, ...at, message },
  });
  if (string.kind === "missing") return fail(string.message);
  const embedded = embeddedYaml(yaml.text, string.node, where);
  if (embedded === null) return fail(`${where} is not a string of YAML values`);
  const inner = locate(embedded.text, { kind: "yaml", file: yaml.file, path: locator.inner });
  const outerPosition = (at: Position): Position =>
    embedded.editable ? embedded.toOuter(at) : position;
  if (!inner.ok) {
    const { line, column, message } = inner.error;
    return fail(`${where} (inline values): ${message}`, outerPosition({ line, column }));
  }
  const found = inner.located;
  return {
    ok: true,
    located: {
      ...found,
      position: outerPosition(found.position),
      what: `${found.what} in ${where}`,
      write(next, nextDigest, options) {
        if (string.shared) return { ok: false, ...sharedRefusal(string.shared, where) };
        if (!embedded.editable) return { ok: false, message: embedded.why };
        const planned = found.write(next, nextDigest, options);
        if (!planned.ok) {
          return {
            ok: false,
            message: `${where} (inline values): ${planned.message}`,
            position: outerPosition(planned.position ?? found.position),
          };
        }
        return { ok: true, splices: planned.splices.map(embedded.spliceToOuter) };
      },
    },
  };
}

function pathOf(
  locator: VersionLocator,
): { ok: true; segments: KeyPathSegment[] } | { ok: false; message: string } {
  if (locator.kind === "kustomize-image") {
    if (locator.image === "") return { ok: false, message: "the kustomize image name is empty" };
    return {
      ok: true,
      segments: [
        { kind: "key", key: "images" },
        { kind: "select", field: "name", value: locator.image },
      ],
    };
  }
  return parseKeyPath(locator.path);
}

/** A value in one scalar (or missing), with its `digest` sibling when `pairedDigest`. */
function locateVersion(
  yaml: YamlFile,
  segments: KeyPathSegment[],
  options: { partialIsRange: boolean; pairedDigest: boolean },
): LocateResult {
  const what = formatKeyPath(segments);
  const walked = walkPath(yaml, segments);
  if (!walked.ok) return walked;
  const version = walked.walked;
  const position = walkedPosition(yaml, version);
  const value = version.kind === "value" ? scalarText(version.node) : null;

  const last = segments[segments.length - 1];
  let digestWalk: Walked | null = null;
  if (options.pairedDigest && last?.kind === "key" && last.key !== DIGEST_KEY) {
    const sibling = walkPath(yaml, [...segments.slice(0, -1), { kind: "key", key: DIGEST_KEY }]);
    if (sibling.ok) digestWalk = sibling.walked;
  }
  const digest = digestWalk?.kind === "value" ? scalarText(digestWalk.node) : null;
  const problem = versionProblem(what, value, options.partialIsRange);
  if (problem) return { ok: false, error: { file: yaml.file, ...position, message: problem } };
  if (digest !== null && !isImageDigest(digest) && digestWalk?.kind === "value") {
    return {
      ok: false,
      error: {
        file: yaml.file,
        ...positionOf(digestWalk.node, yaml.lineCounter),
        message: `the digest beside ${what} is not algorithm:hex ("${digest.slice(0, 80)}")`,
      },
    };
  }
  const isRange =
    value !== null && isVersionRange(value, { partialIsRange: options.partialIsRange });

  return {
    ok: true,
    located: {
      value,
      present: version.kind === "value",
      isRange,
      digest,
      position,
      what,
      write(next, nextDigest, writeOptions) {
        const splices: Splice[] = [];
        const versionSplice = spliceFor(yaml, version, what, next, writeOptions);
        if (!versionSplice.ok) return versionSplice;
        splices.push(versionSplice.splice);
        if (nextDigest !== null && digestWalk !== null) {
          const digestSplice = spliceFor(yaml, digestWalk, `${what} (its digest)`, nextDigest, {});
          if (!digestSplice.ok) return digestSplice;
          splices.push(digestSplice.splice);
        }
        return { ok: true, splices };
      },
    },
  };
}

function versionProblem(
  what: string,
  value: string | null,
  partialIsRange: boolean,
): string | null {
  if (value === null || isValidVersion(value) || isVersionRange(value, { partialIsRange }))
    return null;
  return `${what} is not a valid version: "${value.slice(0, 80)}"`;
}

/** The tag (and digest) inside one image reference string: `registry:5000/team/api:1.4.2@sha256:…`. */
function locateImageReference(yaml: YamlFile, segments: KeyPathSegment[]): LocateResult {
  const what = formatKeyPath(segments);
  const walked = walkPath(yaml, segments);
  if (!walked.ok) return walked;
  const reference = walked.walked;
  const position = walkedPosition(yaml, reference);
  const fail = (message: string): LocateResult => ({
    ok: false,
    error: { file: yaml.file, ...position, message },
  });
  if (reference.kind === "missing") return fail(reference.message);
  const text = scalarText(reference.node);
  if (text === null)
    return fail(`${what} is empty; expected an image reference such as registry/name:tag`);
  const parsed = parseImageReference(text);
  if (!parsed.ok) return fail(`${what}: ${parsed.message}`);
  const image = parsed.image;
  return {
    ok: true,
    located: {
      value: image.tag,
      present: true,
      isRange: false,
      digest: image.digest,
      position,
      what: `the tag of ${what}`,
      write(next, nextDigest) {
        const written = formatImageReference({
          name: image.name,
          tag: next,
          digest: image.digest === null ? null : nextDigest,
        });
        const splice = spliceFor(yaml, reference, what, written, {});
        return splice.ok ? { ok: true, splices: [splice.splice] } : splice;
      },
    },
  };
}

function walkedPosition(yaml: YamlFile, walked: Walked): Position {
  return positionOf(walked.kind === "value" ? walked.node : walked.parent, yaml.lineCounter);
}

/** The splice that writes `value` where a walk ended, or why it must not be written there. */
function spliceFor(
  yaml: YamlFile,
  walked: Walked,
  what: string,
  value: string,
  options: { addMissingKey?: boolean },
): { ok: true; splice: Splice } | { ok: false; message: string; position?: Position } {
  if (walked.shared) return { ok: false, ...sharedRefusal(walked.shared, what) };
  if (walked.kind === "missing") {
    if (!options.addMissingKey) return { ok: false, message: walked.message };
    const added = addKeysSplice(yaml, walked.parent, walked.missing, value);
    return added.ok ? added : { ok: false, message: `${what}: ${added.message}` };
  }
  const splice = scalarSplice(yaml, walked.node, value);
  return splice.ok ? splice : { ok: false, message: `${what}: ${splice.message}` };
}

function sharedRefusal(
  shared: SharedValue,
  what: string,
): { message: string; position?: Position } {
  switch (shared.kind) {
    case "alias":
      return {
        message: `${what} is reached through the alias *${shared.alias}, so it is the anchor &${shared.alias} (line ${shared.anchorLine}) that every *${shared.alias} shares: writing it would change the others too. Write the value out here instead of *${shared.alias}`,
        position: shared.at,
      };
    case "anchored":
      return {
        message: `${what} is inside the anchor &${shared.anchor} (line ${shared.anchorLine}), which other keys use through *${shared.anchor}: writing it would change them too. Give ${what} a value of its own`,
      };
    case "merged":
      return {
        message: `${what} comes from the merge key << at line ${shared.mergeLine}${shared.anchor ? ` (the anchor &${shared.anchor})` : ""}, shared with every mapping that merges it: write "${shared.key}:" in the mapping at line ${shared.mapping.line} to set it here`,
        position: shared.mapping,
      };
  }
}
