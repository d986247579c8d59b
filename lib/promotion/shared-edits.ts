import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { describeLocator, readLocator, type VersionLocator } from "@/lib/gitops-repo/locator";
import { storedOverridePlace } from "@/lib/gitops-repo/override";
import type { LocatorEdit } from "@/lib/promotion/locator-edits";

/** Another (application, environment) whose stored locator points where one of the target's does. */
export interface SharingCell {
  app: string;
  environment: string;
  /** Index into the target's locators. */
  locator: number;
}

/** What a locator points at, as it is stored: file and key path (or kustomize image). */
function placeOf(locator: VersionLocator): Record<string, string> {
  return locator.kind === "kustomize-image"
    ? { file: locator.file, image: locator.image }
    : { file: locator.file, path: locator.path };
}

/**
 * The other cells of the catalogue whose version one of `locators` decides
 * (the import stored the same file and key path for them): a shared values
 * file, a Flux base. Editing that place moves them too.
 */
export async function cellsSharingLocators(params: {
  db: PrismaClient;
  application: string;
  environment: string;
  locators: readonly VersionLocator[];
}): Promise<SharingCell[]> {
  const patterns = params.locators.map((locator) => JSON.stringify([placeOf(locator)]));
  if (patterns.length === 0) return [];
  const rows = await params.db.$queryRaw<{ app: string; environment: string; locator: number }[]>`
    SELECT a.slug AS app, e.name AS environment, (p.i - 1)::int AS locator
    FROM unnest(${patterns}::text[]) WITH ORDINALITY AS p(pattern, i)
    JOIN "DeploymentTarget" t ON t.locators @> p.pattern::jsonb
    JOIN "Application" a ON a.id = t."applicationId"
    JOIN "Environment" e ON e.id = t."environmentId"
    WHERE t."archivedAt" IS NULL AND a."archivedAt" IS NULL AND e."archivedAt" IS NULL
      AND NOT (a.slug = ${params.application} AND e.name = ${params.environment})
    ORDER BY e.position, a.slug, p.i`;
  return rows;
}

/** A version written into the environment's own file because the file that decided it is shared. */
export interface SharedFileOverride {
  /** The shared files left as they are. */
  shared: string[];
  /** The environment's own file the version goes to. */
  file: string;
  created: boolean;
  /** The other cells the shared files still decide: "api in dev". */
  others: string[];
}

/** True when writing the edit changes its file: the value (or its digest) differs from the one there. */
function moves(files: ReadonlyMap<string, string>, edit: LocatorEdit): boolean {
  const text = files.get(edit.locator.file);
  if (text === undefined) return true;
  const read = readLocator(text, edit.locator);
  if (!read.ok) return true;
  return read.value !== edit.version || (edit.digest !== null && edit.digest !== read.digest);
}

/**
 * The promotion's edits where a file that decides other cells' versions is
 * concerned: refused by default, naming the file, what it would move and the
 * setting; with writeOverrides, redirected to the environment's own file
 * (keys added there, or a new overlay patch). Edits that change nothing, or
 * a place no other cell uses, are kept as they are.
 */
export function editsAvoidingSharedFiles(params: {
  application: string;
  environment: string;
  locators: readonly VersionLocator[];
  edits: readonly LocatorEdit[];
  files: ReadonlyMap<string, string>;
  sharing: readonly SharingCell[];
  writeOverrides: boolean;
  /** The layout file's path, to name where the setting goes. */
  layoutFile: string;
  storedOverride: unknown;
}): { edits: LocatorEdit[]; override: SharedFileOverride | null } {
  const { application, environment, files, writeOverrides } = params;
  const indexOf = (edit: LocatorEdit) => params.locators.indexOf(edit.locator);
  const shared = params.edits.filter(
    (edit) => params.sharing.some((cell) => cell.locator === indexOf(edit)) && moves(files, edit),
  );
  if (shared.length === 0) return { edits: [...params.edits], override: null };

  const place = storedOverridePlace(params.storedOverride);
  const where = [...new Set(shared.map((edit) => describeLocator(edit.locator)))].join(" and ");
  const others = [
    ...new Set(
      params.sharing
        .filter((cell) => shared.some((edit) => indexOf(edit) === cell.locator))
        .map((cell) => `${cell.app} in ${cell.environment}`),
    ),
  ];
  const moved = `Promoting ${application} to ${environment} edits ${where}, which also decides the version of ${others.join(", ")}: ${others.length === 1 ? "it" : "they"} would move too`;
  const instead =
    place?.kind === "file"
      ? `${environment}'s own file ${place.file}`
      : place?.kind === "new-patch"
        ? `a new patch ${place.file}, listed in ${place.patch.kustomization}`
        : null;
  if (!writeOverrides) {
    throw new GantryError(
      "conflict",
      `${moved}. Set writeOverrides: true in ${params.layoutFile} to have Gantry write the version into ${instead ?? `a file of ${environment}'s own`} instead${place?.kind === "none" ? ` (${place.reason})` : ""}`,
      { details: { field: "environment", file: shared[0]?.locator.file } },
    );
  }
  if (place === null || place.kind === "none") {
    throw new GantryError(
      "unprocessable",
      `${moved}, and there is no file of ${environment}'s own to write it to instead: ${place?.reason ?? "re-import the catalogue to find one"}`,
      { details: { field: "environment", file: shared[0]?.locator.file } },
    );
  }
  for (const edit of shared) {
    const text = files.get(edit.locator.file);
    const read = text === undefined ? null : readLocator(text, edit.locator);
    if (read?.ok && read.digest !== null) {
      throw new GantryError(
        "unprocessable",
        `${moved}, and ${describeLocator(edit.locator)} is pinned to a digest: a version written in ${place.file} alone would keep running the shared digest. Pin ${environment}'s image in ${place.file} by hand first`,
        { details: { field: "environment", file: edit.locator.file } },
      );
    }
  }
  const edits = params.edits.map((edit): LocatorEdit => {
    if (!shared.includes(edit) || edit.locator.kind === "kustomize-image") return edit;
    return {
      ...edit,
      locator: { ...edit.locator, file: place.file },
      addKey: true,
      ...(place.kind === "new-patch" ? { newPatch: place.patch } : {}),
    };
  });
  return {
    edits,
    override: {
      shared: [...new Set(shared.map((edit) => edit.locator.file))],
      file: place.file,
      created: place.kind === "new-patch",
      others,
    },
  };
}
