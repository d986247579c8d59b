import { createHash } from "node:crypto";
import { createTwoFilesPatch } from "diff";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { environmentValuesPath } from "@/lib/gitops-repo/paths";
import {
  isValidVersion,
  readCurrentVersion,
  readVersion,
  setVersion,
} from "@/lib/gitops-repo/version";

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
}

export interface PromotionPlan {
  application: { slug: string; name: string };
  environment: { name: string; displayName: string };
  /** The environment before the target in delivery order that the app is deployed to, if any. */
  fromEnvironment: { name: string; displayName: string; version: string | null } | null;
  version: string;
  /** Where the version came from, in words for the dialog: "the version staging runs". */
  versionSource: { kind: "requested" | "previous_environment"; explanation: string };
  /** As written in the values file; "" when it is empty (`tag: ""`, `null`, `~`). */
  currentVersion: string;
  valuesPath: string;
  /** The default branch's commit the files were read at. */
  baseCommit: string;
  /**
   * Git's blob id of the values file as read at baseCommit. The same blob
   * and version give the same diff at any commit: a request whose branch
   * moved on is still exact while the blob is the one the person saw.
   */
  blobId: string;
  currentContent: string;
  newContent: string;
  /** Unified diff of the values file (a/ and b/ prefixes, 3 lines of context). */
  diff: string;
  /** True when the version is a release the catalogue knows (seen in Git or registered by CI). */
  knownRelease: boolean;
  /** True when the previous environment does not run this version and skipOrder allowed it. */
  outOfOrder: boolean;
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
  const app = await db.application.findUnique({
    where: { slug: params.application },
    select: { id: true, slug: true, name: true, archivedAt: true },
  });
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
  const environments = await db.environment.findMany({
    where: { archivedAt: null },
    orderBy: { position: "asc" },
    select: { name: true, displayName: true },
  });
  const targetIndex = environments.findIndex((e) => e.name === params.environment);
  const target = environments[targetIndex];
  if (!target) {
    throw new GantryError(
      "not_found",
      `No environment named "${params.environment}"; the environments are ${environments.map((e) => e.name).join(", ") || "not imported yet"}`,
      { details: { field: "environment" } },
    );
  }

  const baseCommit = await git.resolveRef(git.defaultBranch);
  const valuesPath = environmentValuesPath(app.slug, target.name);
  const earlier = environments.slice(0, targetIndex).reverse();
  const files = await git.readFiles({
    ref: baseCommit,
    paths: [valuesPath, ...earlier.map((e) => environmentValuesPath(app.slug, e.name))],
  });

  const currentContent = files.get(valuesPath);
  if (currentContent === undefined) {
    throw new GantryError(
      "unprocessable",
      `${app.slug} is not deployed to ${target.name}: ${valuesPath} does not exist`,
      { details: { field: "environment", file: valuesPath } },
    );
  }
  // An empty tag (`tag: ""`, a chart's "use my appVersion") is promoted from like any other.
  const current = readCurrentVersion(currentContent, valuesPath, versionPath);
  if (!current.ok) throw locatedError(current.error);

  // The previous environment is the nearest earlier one the app is deployed to.
  let fromEnvironment: PromotionPlan["fromEnvironment"] = null;
  for (const environment of earlier) {
    const path = environmentValuesPath(app.slug, environment.name);
    const text = files.get(path);
    if (text === undefined) continue;
    const read = readVersion(text, path, versionPath);
    fromEnvironment = { ...environment, version: read.ok ? read.value : null };
    break;
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
    if (fromEnvironment.version === null) {
      throw new GantryError(
        "unprocessable",
        `the version ${fromEnvironment.name} runs cannot be read from ${environmentValuesPath(app.slug, fromEnvironment.name)}; say which version to promote`,
        { details: { field: "version" } },
      );
    }
    version = fromEnvironment.version;
    versionSource = {
      kind: "previous_environment",
      explanation: `the version ${fromEnvironment.name} runs`,
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

  const release = await db.release.findUnique({
    where: { applicationId_version: { applicationId: app.id, version } },
    select: { id: true },
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
      `${target.name} is not next for ${version}: ${fromEnvironment.name} runs ${fromEnvironment.version ?? "an unreadable version"}. Promote to ${fromEnvironment.name} first, or set skipOrder to skip it`,
      { details: { field: "environment" } },
    );
  }

  const edited = setVersion(currentContent, versionPath, version, valuesPath);
  if (!edited.ok) throw locatedError(edited.error);

  return {
    application: { slug: app.slug, name: app.name },
    environment: target,
    fromEnvironment,
    version,
    versionSource,
    currentVersion: current.value ?? "",
    valuesPath,
    baseCommit,
    blobId: gitBlobId(currentContent),
    currentContent,
    newContent: edited.text,
    diff: unifiedDiff(valuesPath, currentContent, edited.text),
    knownRelease,
    outOfOrder,
  };
}

/** The id Git gives a file with these contents: SHA-1 of `blob <bytes>\0<bytes>`. */
function gitBlobId(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** A git-style unified diff of one file (`a/…`, `b/…`), without the `Index:` preamble. */
export function unifiedDiff(path: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, before, after, undefined, undefined, {
    context: 3,
  })
    .split("\n")
    .filter((line, index) => !(index === 0 && line.startsWith("====")))
    .join("\n");
}

function locatedError(error: { file: string; line: number; column: number; message: string }) {
  return new GantryError(
    "unprocessable",
    `${error.file}:${error.line}:${error.column}: ${error.message}`,
    { details: { file: error.file, line: error.line, column: error.column } },
  );
}
