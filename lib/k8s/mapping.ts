/**
 * Which (application, environment) a cluster object reports for. An object
 * says so itself with `gantry.dev/application` + `gantry.dev/environment`
 * (annotations, or labels); otherwise an Argo CD Application or Flux
 * Kustomization is recognised by its source path following the GitOps repo
 * convention `<prefix>/<app>/envs/<env>`. Anything else maps to nothing and is
 * ignored by the agent.
 */

const APPLICATION_KEY = "gantry.dev/application";
const ENVIRONMENT_KEY = "gantry.dev/environment";
export const REVISION_ANNOTATION = "gantry.dev/revision";

export interface MappingOptions {
  /** The directory holding one folder per application; `apps` by default ("" for the repo root). */
  pathPrefix: string;
}

export const DEFAULT_MAPPING: MappingOptions = { pathPrefix: "apps" };

export interface Target {
  application: string;
  environment: string;
}

const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function target(application: string | undefined, environment: string | undefined): Target | null {
  if (!application || !environment) return null;
  if (!SLUG.test(application) || !SLUG.test(environment)) return null;
  return { application, environment };
}

/** By `gantry.dev/*` annotations first, then labels; both keys must come from the same place. */
export function targetFromMetadata(metadata: {
  annotations?: Record<string, string> | undefined;
  labels?: Record<string, string> | undefined;
}): Target | null {
  for (const source of [metadata.annotations, metadata.labels]) {
    const found = target(source?.[APPLICATION_KEY], source?.[ENVIRONMENT_KEY]);
    if (found) return found;
  }
  return null;
}

function segments(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "" && segment !== ".");
}

/** `apps/payments/envs/prod` (or `./apps/payments/envs/prod/`, or deeper) → payments × prod. */
export function targetFromPath(path: string | undefined, options: MappingOptions): Target | null {
  if (!path) return null;
  const prefix = segments(options.pathPrefix);
  const parts = segments(path);
  if (parts.length < prefix.length + 3) return null;
  if (prefix.some((segment, index) => parts[index] !== segment)) return null;
  const [application, envs, environment] = parts.slice(prefix.length);
  if (envs !== "envs") return null;
  return target(application, environment);
}

export function targetOf(
  metadata: Parameters<typeof targetFromMetadata>[0],
  sourcePaths: (string | undefined)[],
  options: MappingOptions,
): Target | null {
  const explicit = targetFromMetadata(metadata);
  if (explicit) return explicit;
  for (const path of sourcePaths) {
    const found = targetFromPath(path, options);
    if (found) return found;
  }
  return null;
}
