/**
 * `gantry/promote/<app>/<env>/<version>`: deterministic, so a retry finds the
 * branch it made. App and environment names are slugs already; a version
 * may hold characters a ref cannot (`:`, `@{`, `..`, a trailing `.lock`),
 * which become `-`. A later promotion of the same app, environment and
 * version gets `-2`, `-3`… (`attempt`), so it never lands on an older
 * promotion's branch.
 */
export function promotionBranch(params: {
  application: string;
  environment: string;
  version: string;
  attempt?: number;
}): string {
  const version =
    params.version
      .replace(/[^A-Za-z0-9._+-]/g, "-")
      .replace(/\.{2,}/g, ".")
      .replace(/\.lock$/i, "-lock")
      .replace(/^[.-]+|[.]+$/g, "")
      .slice(0, 100) || "version";
  const suffix = params.attempt && params.attempt > 1 ? `-${params.attempt}` : "";
  return `gantry/promote/${params.application}/${params.environment}/${version}${suffix}`;
}
