import semver from "semver";

/**
 * Orders versions as people expect: semantic versions by semver precedence
 * (`1.10.0` after `1.9.0`, `2.0.0-rc.1` before `2.0.0`, a leading `v` ignored);
 * anything else (`2024.11`, `build-99`, `3f9a2c1`) by its text with digit runs
 * compared as numbers, so `build-10` comes after `build-9`. Negative when `a`
 * comes before `b`.
 */
export function compareVersions(a: string, b: string): number {
  const sa = semver.valid(a, { loose: true });
  const sb = semver.valid(b, { loose: true });
  if (sa !== null && sb !== null) {
    const bySemver = semver.compare(sa, sb);
    if (bySemver !== 0) return bySemver;
  }
  return compareNatural(a, b);
}

/** Sorted copy, oldest first. */
export function sortVersions(versions: readonly string[]): string[] {
  return [...versions].sort(compareVersions);
}

function compareNatural(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] ?? "";
    const y = pb[i] ?? "";
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      // Compared as digit strings so tags longer than a double's precision still order.
      const tx = x.replace(/^0+(?=\d)/, "");
      const ty = y.replace(/^0+(?=\d)/, "");
      if (tx.length !== ty.length) return tx.length - ty.length;
      if (tx !== ty) return tx < ty ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * True when `value` is a semver range (`>=1.0.0 <2.0.0`, `6.x`, `*`, `~1.2`,
 * `^1.2.0`, `1.2.3 - 1.4.0`, `1.x || 2.x`) rather than one version. A bare
 * `1.2` counts as one version (an image tag `1.2` is one image), unless
 * `partialIsRange` says otherwise (a chart version must be complete, so
 * `1.2` there can only be a constraint).
 */
export function isVersionRange(value: string, options: { partialIsRange?: boolean } = {}): boolean {
  const v = value.trim();
  if (v === "" || v.length > 200) return false;
  if (semver.valid(v, { loose: true }) !== null) return false;
  if (semver.validRange(v) === null) return false;
  if (/[<>=~^*|\s]/.test(v) || /(^|\.)[xX](\.|$)/.test(v)) return true;
  return options.partialIsRange === true && /^v?\d+(\.\d+)?$/.test(v);
}

/** True when `version` is in `range` (semver rules; false for versions that are not semver). */
export function satisfiesRange(version: string, range: string): boolean {
  const v = semver.valid(version, { loose: true });
  return v !== null && semver.satisfies(v, range, { loose: true });
}
