import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { LAYOUT_FILE, parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import { describeLocator, readLocator, type VersionLocator } from "@/lib/gitops-repo/locator";
import { environmentValuesPath } from "@/lib/gitops-repo/paths";
import { isValidVersion } from "@/lib/gitops-repo/version";
import {
  applyLocatorEdits,
  cellLocators,
  changesDiff,
  contentId,
  filesToRead,
  type LocatorEdit,
  locatedError,
} from "@/lib/promotion/locator-edits";
import {
  cellsSharingLocators,
  editsAvoidingSharedFiles,
  type SharedFileOverride,
} from "@/lib/promotion/shared-edits";

export interface PlanPromotionParams {
  db: PrismaClient;
  git: GitReader;
  /** Dotted path of the version inside a values file (GANTRY_VERSION_PATH). */
  versionPath: string;
  application: string;
  environment: string;
  /** Defaults to the version the previous environment runs. */
  version?: string;
  /** Promote to an environment out of order (the previous one does not run this version). */
  skipOrder?: boolean;
  /** Promote a version that is not a known release of the application. */
  allowNewVersion?: boolean;
  /** The layout file (GANTRY_LAYOUT_FILE): its pinRanges lets a version range be replaced by the exact version. */
  layoutFile?: string;
}

export interface PromotionPlan {
  application: { slug: string; name: string };
  environment: { name: string; displayName: string };
  /** The environment before the target in delivery order that the app is deployed to, if any. */
  fromEnvironment: { name: string; displayName: string; version: string | null } | null;
  version: string;
  /** Where the version came from, in words for the dialog: "the version staging runs". */
  versionSource: { kind: "requested" | "previous_environment"; explanation: string };
  /** As written; "" when the place is empty (`tag: ""`, `null`, missing), which can be promoted from. */
  currentVersion: string;
  /** The first locator's file: where the environment's version is decided. */
  valuesPath: string;
  /** Every version the promotion writes, through which locator; stored on the promotion. */
  edits: LocatorEdit[];
  /** The default branch's commit the files were read at. */
  baseCommit: string;
  /**
   * Git's blob id of the edited file as read at baseCommit (of several, a
   * hash of their blob ids). The same blobs and version give the same diff
   * at any commit: a request whose branch moved on is still exact while the
   * blobs are the ones the person saw.
   */
  blobId: string;
  /** The first locator's file before and after. */
  currentContent: string;
  newContent: string;
  /** Unified diff of every edited file (a/ and b/ prefixes, 3 lines of context): the commit to be made. */
  diff: string;
  /** True when the version is a release the catalogue knows (seen in Git or registered by CI). */
  knownRelease: boolean;
  /** True when the previous environment does not run this version and skipOrder allowed it. */
  outOfOrder: boolean;
  /** Set when the version goes into the environment's own file because the file that decided it is shared (writeOverrides). */
  sharedFileOverride: SharedFileOverride | null;
}

/**
 * What the plan needs of the catalogue, in one round trip: the application,
 * the environments in order, and the application's cells (where each
 * environment keeps its version: the locators the import found).
 */
async function readCatalogue(
  db: PrismaClient,
  application: string,
  requestedVersion: string | undefined,
): Promise<CatalogueReads> {
  const rows = await db.$queryRaw<
    (Omit<CatalogueReads, "releases"> & {
      releases: { version: string; digest: string | null; known: boolean }[];
    })[]
  >`
    SELECT
      (SELECT json_build_object('id', a.id, 'slug', a.slug, 'name', a.name,
          'archivedAt', a."archivedAt")
        FROM "Application" a WHERE a.slug = ${application}) AS app,
      (SELECT coalesce(json_agg(json_build_object('name', e.name, 'displayName', e."displayName")
          ORDER BY e.position), '[]')
        FROM "Environment" e WHERE e."archivedAt" IS NULL) AS environments,
      (SELECT coalesce(json_agg(json_build_object('environment', e.name, 'locators', t.locators,
          'version', t."desiredVersion", 'override', t.override)),
          '[]')
        FROM "DeploymentTarget" t
        JOIN "Application" a ON a.id = t."applicationId"
        JOIN "Environment" e ON e.id = t."environmentId"
        WHERE a.slug = ${application} AND t."archivedAt" IS NULL) AS cells,
      (SELECT coalesce(json_agg(json_build_object('version', v.version,
          'digest', r.digest, 'known', r.id IS NOT NULL)), '[]')
        FROM (
          SELECT t."desiredVersion" AS version FROM "DeploymentTarget" t
          JOIN "Application" a ON a.id = t."applicationId"
          WHERE a.slug = ${application} AND t."desiredVersion" IS NOT NULL
          UNION SELECT ${requestedVersion ?? null}::text WHERE ${requestedVersion ?? null}::text IS NOT NULL
        ) v
        JOIN "Application" a ON a.slug = ${application}
        LEFT JOIN "Release" r ON r."applicationId" = a.id AND r.version = v.version) AS releases`;
  const row = rows[0];
  return {
    app: row?.app ?? null,
    environments: row?.environments ?? [],
    cells: row?.cells ?? [],
    releases: new Map(
      (row?.releases ?? []).map((r) => [r.version, r.known ? { digest: r.digest } : null]),
    ),
  };
}

interface CatalogueReads {
  app: { id: string; slug: string; name: string; archivedAt: string | null } | null;
  environments: { name: string; displayName: string }[];
  /** Each environment's locators, and the version the import read there (an empty tag read as the chart's appVersion). */
  cells: { environment: string; locators: unknown; version: string | null; override: unknown }[];
  /**
   * The releases (null: none) of the versions the plan will likely ask about, read ahead:
   * the one requested and those the catalogue shows in each environment. Git decides the
   * version; one the catalogue does not show yet is looked up on its own.
   */
  releases: Map<string, { digest: string | null } | null>;
}

/**
 * What promoting `application` to `environment` would change, without
 * changing anything. Files are read from Git at the default branch's head:
 * the catalogue may lag behind Git, and the diff a person approves must be
 * the diff the pull request will show. The catalogue answers what exists
 * (the app, the environments, their order, known releases).
 *
 * Refusals are GantryErrors whose message says what to do instead.
 */
export async function planPromotion(params: PlanPromotionParams): Promise<PromotionPlan> {
  const { db, git, versionPath } = params;
  // What exists, and the head the files are read at, side by side: none depends on another.
  const [{ app, environments, cells, releases }, baseCommit] = await Promise.all([
    readCatalogue(db, params.application, params.version?.trim()),
    git.resolveRef(git.defaultBranch),
  ]);
  if (!app) {
    throw new GantryError("not_found", `No application named "${params.application}"`, {
      details: { field: "application" },
    });
  }
  if (app.archivedAt) {
    throw new GantryError(
      "unprocessable",
      `${app.slug} is archived (it is no longer in the GitOps repository) and cannot be promoted`,
      { details: { field: "application" } },
    );
  }
  const targetIndex = environments.findIndex((e) => e.name === params.environment);
  const target = environments[targetIndex];
  if (!target) {
    throw new GantryError(
      "not_found",
      `No environment named "${params.environment}"; the environments are ${environments.map((e) => e.name).join(", ") || "not imported yet"}`,
      { details: { field: "environment" } },
    );
  }

  const locatorsOf = new Map(
    cells.map((cell) => [
      cell.environment,
      cellLocators({
        stored: cell.locators,
        application: app.slug,
        environment: cell.environment,
        versionPath,
      }),
    ]),
  );
  const conventionFile = environmentValuesPath(app.slug, target.name);
  const targetLocators = locatorsOf.get(target.name) ?? [
    { kind: "yaml" as const, file: conventionFile, path: versionPath },
  ];
  const [primary] = targetLocators as [VersionLocator, ...VersionLocator[]];
  const earlier = environments.slice(0, targetIndex).reverse();

  const layoutFile = params.layoutFile ?? LAYOUT_FILE;
  // The files, and the other cells whose version the same places decide, side by side.
  const [files, sharing] = await Promise.all([
    git
      .readFiles({
        ref: baseCommit,
        paths: [
          ...new Set([
            layoutFile,
            ...targetLocators.map((l) => l.file),
            ...earlier.flatMap((e) => (locatorsOf.get(e.name) ?? []).map((l) => l.file)),
          ]),
        ],
      })
      .then((read) => new Map(read)),
    cellsSharingLocators({
      db,
      application: app.slug,
      environment: target.name,
      locators: targetLocators,
    }),
  ]);

  const currentContent = files.get(primary.file);
  if (currentContent === undefined) {
    throw new GantryError(
      "unprocessable",
      `${app.slug} is not deployed to ${target.name}: ${primary.file} does not exist`,
      { details: { field: "environment", file: primary.file } },
    );
  }
  const current = readLocator(currentContent, primary);
  if (!current.ok) throw locatedError(current.error);

  // The previous environment is the nearest earlier one the app is deployed to.
  let fromEnvironment: PromotionPlan["fromEnvironment"] = null;
  let fromReads: { value: string | null; digest: string | null; present: boolean }[] = [];
  for (const environment of earlier) {
    const locators = locatorsOf.get(environment.name) ?? [];
    const first = locators[0];
    if (first === undefined || !files.has(first.file)) continue;
    fromReads = locators.map((locator) => {
      const text = files.get(locator.file);
      const read = text === undefined ? null : readLocator(text, locator);
      return read?.ok
        ? { value: read.value, digest: read.digest, present: true }
        : { value: null, digest: null, present: false };
    });
    fromEnvironment = { ...environment, version: fromReads[0]?.value ?? null };
    break;
  }
  const fromValues = fromReads.map((read) => read.value);
  // An empty tag (`tag: ""`) runs the chart's appVersion: the import read it from
  // the chart when the chart is in the repository, and that is what is promoted.
  const fromChartDefault =
    fromEnvironment !== null && fromEnvironment.version === null && fromReads[0]?.present === true;
  if (fromEnvironment && fromChartDefault) {
    const resolved = cells.find((cell) => cell.environment === fromEnvironment?.name)?.version;
    if (resolved) fromEnvironment = { ...fromEnvironment, version: resolved };
  }

  let version: string;
  let versionSource: PromotionPlan["versionSource"];
  if (params.version !== undefined) {
    version = params.version.trim();
    versionSource = { kind: "requested", explanation: "the version you asked for" };
  } else {
    if (!fromEnvironment) {
      throw new GantryError(
        "bad_request",
        `${target.name} is the first environment ${app.slug} is deployed to: say which version to promote`,
        { details: { field: "version" } },
      );
    }
    const fromLocator = describeLocator(locatorsOf.get(fromEnvironment.name)?.[0] ?? primary);
    if (fromEnvironment.version === null) {
      throw new GantryError(
        "unprocessable",
        fromChartDefault
          ? `${fromEnvironment.name} runs the chart's default version: ${fromLocator} is empty and the chart is not in this repository, so its appVersion is unknown here; say which version to promote`
          : `the version ${fromEnvironment.name} runs cannot be read from ${fromLocator}; say which version to promote`,
        { details: { field: "version" } },
      );
    }
    version = fromEnvironment.version;
    versionSource = {
      kind: "previous_environment",
      explanation: fromChartDefault
        ? `the version ${fromEnvironment.name} runs: the chart's appVersion, since ${fromLocator} is empty there`
        : `the version ${fromEnvironment.name} runs`,
    };
  }

  if (!isValidVersion(version)) {
    throw new GantryError(
      "bad_request",
      `"${version.slice(0, 80)}" is not a valid version: use letters, digits and . _ + @ : - (no spaces)`,
      { details: { field: "version" } },
    );
  }
  if (version === current.value) {
    throw new GantryError(
      "conflict",
      `${target.name} already runs ${app.slug} ${version}; there is nothing to promote`,
      { details: { field: "version" } },
    );
  }

  const release = releases.has(version)
    ? (releases.get(version) ?? null)
    : await db.release.findUnique({
        where: { applicationId_version: { applicationId: app.id, version } },
        select: { digest: true },
      });
  const knownRelease = release !== null || version === fromEnvironment?.version;
  if (!knownRelease && !params.allowNewVersion) {
    throw new GantryError(
      "unprocessable",
      `${version} is not a known release of ${app.slug} (not seen in Git nor registered by CI); check the version, or set allowNewVersion to promote it anyway`,
      { details: { field: "version" } },
    );
  }

  const outOfOrder = fromEnvironment !== null && fromEnvironment.version !== version;
  if (outOfOrder && fromEnvironment && !params.skipOrder) {
    throw new GantryError(
      "conflict",
      `${target.name} is not next for ${version}: ${fromEnvironment.name} runs ${fromEnvironment.version ?? (fromChartDefault ? "the chart's default version" : "an unreadable version")}. Promote to ${fromEnvironment.name} first, or set skipOrder to skip it`,
      { details: { field: "environment" } },
    );
  }

  // The first locator takes the version, with the digest CI registered for it:
  // a tag pinned to a digest moves as a pair, and is refused when the digest
  // is unknown. The locators that move with it (a chart version, say) take
  // what the previous environment has at the same place.
  // A locator that moves with it and holds the same version (the same image
  // pinned in a second place) takes the same registered digest; one holding
  // something else takes the previous environment's digest beside it.
  const digest = release?.digest ?? null;
  const planned: LocatorEdit[] = targetLocators.flatMap((locator, index) => {
    if (index === 0) return [{ locator, version, digest }];
    const value = fromValues[index];
    if (!value) return [];
    const paired = value === version ? digest : (fromReads[index]?.digest ?? null);
    return [{ locator, version: value, digest: paired }];
  });
  // A layout file that does not parse pins nothing: the import reports it.
  const layout = files.has(layoutFile)
    ? parseLayoutFile(files.get(layoutFile) ?? "", layoutFile)
    : null;
  const pinRanges = layout?.ok === true && layout.value.pinRanges;
  // A file that decides other environments' or apps' versions is not edited
  // for this one: refused, or with writeOverrides the environment's own file is.
  const { edits, override } = editsAvoidingSharedFiles({
    application: app.slug,
    environment: target.name,
    locators: targetLocators,
    edits: planned,
    files,
    sharing,
    writeOverrides: layout?.ok === true && layout.value.writeOverrides,
    layoutFile,
    storedOverride: cells.find((cell) => cell.environment === target.name)?.override,
  });
  const ownFiles = filesToRead(edits).filter((file) => !files.has(file));
  if (ownFiles.length > 0) {
    for (const [file, text] of await git.readFiles({ ref: baseCommit, paths: ownFiles })) {
      files.set(file, text);
    }
  }
  const changes = applyLocatorEdits(files, edits, { pinRanges });
  const edited = edits[0]?.locator.file ?? primary.file;

  return {
    application: { slug: app.slug, name: app.name },
    environment: target,
    fromEnvironment,
    version,
    versionSource,
    currentVersion: current.value ?? "",
    valuesPath: edited,
    edits,
    baseCommit,
    blobId: contentId(
      [
        ...new Set([
          ...targetLocators.map((l) => l.file),
          ...(override === null ? [] : filesToRead(edits)),
        ]),
      ].map((f) => files.get(f) ?? ""),
    ),
    currentContent: files.get(edited) ?? "",
    newContent: changes.find((change) => change.path === edited)?.after ?? currentContent,
    diff: changesDiff(changes),
    knownRelease,
    outOfOrder,
    sharedFileOverride: override,
  };
}
