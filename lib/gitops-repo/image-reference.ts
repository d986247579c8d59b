/**
 * An OCI image reference split into its parts, as Docker and Kubernetes read it:
 * `registry.example.com:5000/team/api:1.4.2@sha256:…`. The tag is after the last
 * colon of the last path component only, so a registry's port is never a tag.
 */
export interface ImageReference {
  /** Everything before the tag and digest: `registry.example.com:5000/team/api`. */
  name: string;
  tag: string | null;
  /** `sha256:…` without the `@`, or null. */
  digest: string | null;
}

/** Tags as registries accept them. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** `algorithm:hex`, as in the OCI image spec (`sha256:` followed by 64 hex digits, say). */
const DIGEST_PATTERN = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export function isImageTag(value: string): boolean {
  return TAG_PATTERN.test(value);
}

export function isImageDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

export function parseImageReference(
  reference: string,
): { ok: true; image: ImageReference } | { ok: false; message: string } {
  if (reference === "" || /\s/.test(reference)) {
    return { ok: false, message: `"${reference.slice(0, 120)}" is not an image reference` };
  }
  let rest = reference;
  let digest: string | null = null;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isImageDigest(digest)) {
      return {
        ok: false,
        message: `"${reference.slice(0, 120)}" has a digest that is not algorithm:hex ("${digest.slice(0, 80)}")`,
      };
    }
  }
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", lastSlash + 1);
  let tag: string | null = null;
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isImageTag(tag)) {
      return {
        ok: false,
        message: `"${reference.slice(0, 120)}" has a tag registries do not accept ("${tag.slice(0, 80)}")`,
      };
    }
  }
  if (rest === "" || rest.endsWith("/")) {
    return { ok: false, message: `"${reference.slice(0, 120)}" has no image name` };
  }
  return { ok: true, image: { name: rest, tag, digest } };
}

export function formatImageReference(image: ImageReference): string {
  return `${image.name}${image.tag === null ? "" : `:${image.tag}`}${image.digest === null ? "" : `@${image.digest}`}`;
}
