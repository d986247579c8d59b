/**
 * Image tags and chart versions: `1.42.0`, `v2.3.1-rc.1+build.5`, `2024.11.3`,
 * `3f9a2c1`, `1.4.2@sha256:…`. No whitespace, quotes or YAML indicators, so a
 * version can be written into a values file in any quoting style unchanged.
 */
const VERSION_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._+@:-]{0,199}$/;

export function isValidVersion(value: string): boolean {
  return VERSION_PATTERN.test(value);
}
