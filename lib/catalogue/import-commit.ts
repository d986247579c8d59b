import type { Prisma } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { CONVENTION_LABEL } from "@/lib/gitops-repo/discovery/convention";
import { describeLayout, ENVIRONMENTS_FILE, isSlug } from "@/lib/gitops-repo/paths";
import type { DiscoverySummary } from "./discovery-summary";
import {
  countReadableApplications,
  fingerprintOf,
  forgetApplications,
  recordApplications,
  storedFingerprints,
} from "./imported-applications";
import type { ParseCache } from "./parse-cache";
import {
  type Blobs,
  conventionApplications,
  conventionFiles,
  layoutProblems,
  listBlobs,
  readAdoptedSnapshot,
  readConventionEnvironments,
  readTexts,
} from "./read-gitops-repo";
import type { ImportProblemInput, SnapshotApplication } from "./snapshot";
import {
  archiveApplications,
  archiveMissingApplications,
  environmentIdsOf,
  recordPolicyChanges,
  writeApplications,
  writeEnvironments,
} from "./write-snapshot";

/**
 * Applications read, parsed and written together: their files are one `git
 * cat-file --batch`, and what they hold in memory is dropped before the next
 * slice, so an import's memory does not grow with the fleet.
 */
const SLICE = 500;
/** Past this many changed applications, a read of the whole commit in slices is as cheap. */
const MAX_CHANGED_APPS = 2_000;

/** The import a new one starts from: the latest, recorded with the same settings. */
interface ImportBase {
  id: string;
  commit: string;
}

export interface CommitImport {
  mode: "full" | "incremental";
  appsSeen: number;
  appsCreated: number;
  appsUpdated: number;
  appsArchived: number;
  problems: number;
  /** What the rules found, per rule (stored on the run for the /imports page). */
  discovery: DiscoverySummary;
}

interface CommitParams {
  git: GitReader;
  commit: string;
  versionPath: string;
  layoutFile: string;
  importId: string;
  /** Null: nothing stored is trusted, every application is written. */
  base: ImportBase | null;
  /** Texts of an adopted repository's files by blob id, kept between imports. */
  cache: ParseCache;
  progress: (message: string) => void;
}

/**
 * Brings the catalogue to `commit` inside the caller's transaction (which
 * holds the import lock), problems and ImportedApplication rows included.
 *
 * From a base, the two commits are diffed and only the applications whose
 * directory changed are read and written: a merge costs one application,
 * not the fleet. Whatever cannot be mapped to applications safely (the
 * environments, a chart's appearance, the layout file, an adopted layout's
 * rules that span files) is read whole, and then only applications whose
 * fingerprint differs from the stored one are written.
 */
export async function importCommit(
  tx: Prisma.TransactionClient,
  params: CommitParams,
): Promise<CommitImport> {
  const { git, base } = params;
  if (base) {
    const slugs = await changedApplications({ ...params, from: base.commit });
    if (slugs) {
      const imported = await importApplications(tx, { ...params, base, slugs });
      if (imported) return imported;
    }
  }
  // A full read: what the process made before (at start, the demo repository) goes first.
  globalThis.gc?.();
  const blobs = await listBlobs(git, params.commit);
  if (blobs.has(params.layoutFile)) return importAdopted(tx, { ...params, blobs });
  return importConvention(tx, { ...params, blobs });
}

/**
 * The convention applications whose files changed between `from` and the
 * commit; null when something else changed that every application depends
 * on (or the reader cannot diff), and the commit must be read whole.
 */
async function changedApplications(
  params: CommitParams & { from: string },
): Promise<string[] | null> {
  const { git } = params;
  if (!git.changedPaths || !git.listFilesUnder) return null;
  const changed = await git.changedPaths({ from: params.from, to: params.commit });
  if (changed === null) return null;
  const slugs = new Set<string>();
  for (const path of changed) {
    if (path === params.layoutFile || path === ENVIRONMENTS_FILE) return null;
    const parts = path.split("/");
    // A chart appearing or going changes which apps' charts exist; its other files change nothing.
    if (parts[0] === "charts" && parts.length === 3 && parts[2] === "Chart.yaml") return null;
    if (parts[0] !== "apps" || parts.length < 3) continue;
    const slug = parts[1] ?? "";
    // A directory that is not an app is a problem of the whole layout.
    if (!isSlug(slug)) return null;
    slugs.add(slug);
  }
  return slugs.size > MAX_CHANGED_APPS ? null : [...slugs].sort();
}

/**
 * An incremental import: only `slugs` are read and written; every other
 * application's rows, ImportedApplication row and problems are the base's.
 * Null when the commit turns out to have a layout file (then it is read whole).
 */
async function importApplications(
  tx: Prisma.TransactionClient,
  params: CommitParams & { base: ImportBase; slugs: string[] },
): Promise<CommitImport | null> {
  const { git, commit, base, slugs, layoutFile } = params;
  const listed = await git.listFilesUnder?.({
    ref: commit,
    paths: [layoutFile, ENVIRONMENTS_FILE, "charts", ...slugs.map((slug) => `apps/${slug}`)],
  });
  if (!listed || listed.some((entry) => entry.path === layoutFile)) return null;
  const blobs = new Map(listed.map((entry) => [entry.path, entry.sha ?? ""]));
  const layout = describeLayout(blobs.keys());
  params.progress(`reading ${slugs.length} changed application(s) at ${commit.slice(0, 12)}`);
  const environments = await readConventionEnvironments({ git, commit, blobs, layout });
  const environmentIds = await environmentIdsOf(
    tx,
    environments.map((e) => e.name),
  );
  const affected = new Set(slugs);
  const kept = await tx.$executeRaw`
    INSERT INTO "ImportProblem" ("importId", "applicationSlug", "file", "line", "column", "message")
    SELECT ${params.importId}::uuid, "applicationSlug", "file", "line", "column", "message"
    FROM "ImportProblem"
    WHERE "importId" = ${base.id}::uuid
      AND ("applicationSlug" IS NULL OR NOT ("applicationSlug" = ANY(${slugs}::text[])))`;
  const fromLayout = layoutProblems(layout, affected);
  await insertProblems(tx, params.importId, fromLayout);
  const written = await writeConventionSlices(tx, {
    ...params,
    blobs,
    apps: layout.apps,
    environmentNames: new Set(environments.map((e) => e.name)),
    environmentIds,
    charts: new Set(layout.charts),
  });
  const inGit = new Set(layout.apps.map((app) => app.slug));
  const gone = slugs.filter((slug) => !inGit.has(slug));
  const archived = await archiveApplications(tx, gone);
  await forgetApplications(tx, { slugs: gone });
  return {
    mode: "incremental",
    appsSeen: await countReadableApplications(tx),
    appsCreated: written.created,
    appsUpdated: written.updated,
    appsArchived: archived,
    problems: kept + fromLayout.length + written.problems,
    discovery: await conventionDiscovery(tx),
  };
}

/** A convention repository read whole, a slice of applications at a time. */
async function importConvention(
  tx: Prisma.TransactionClient,
  params: CommitParams & { blobs: Blobs },
): Promise<CommitImport> {
  const { git, commit, blobs } = params;
  const layout = describeLayout(blobs.keys());
  params.progress(`reading ${layout.apps.length} applications at ${commit.slice(0, 12)}`);
  const environments = await readConventionEnvironments({ git, commit, blobs, layout });
  const { ids, policyChanges } = await writeEnvironments(tx, environments);
  const fromLayout = layoutProblems(layout, null);
  await insertProblems(tx, params.importId, fromLayout);
  const written = await writeConventionSlices(tx, {
    ...params,
    apps: layout.apps,
    environmentNames: new Set(environments.map((e) => e.name)),
    environmentIds: ids,
    charts: new Set(layout.charts),
  });
  const slugsInGit = layout.apps.map((app) => app.slug);
  const archived = await archiveMissingApplications(tx, slugsInGit);
  await forgetApplications(tx, { keep: slugsInGit });
  // Last, to hold the audit chain's lock briefly.
  await recordPolicyChanges(tx, commit, policyChanges);
  return {
    mode: "full",
    appsSeen: written.readable,
    appsCreated: written.created,
    appsUpdated: written.updated,
    appsArchived: archived,
    problems: fromLayout.length + written.problems,
    discovery: await conventionDiscovery(tx),
  };
}

/** A repository with a layout file: its rules may span files, so it is read whole. */
async function importAdopted(
  tx: Prisma.TransactionClient,
  params: CommitParams & { blobs: Blobs },
): Promise<CommitImport> {
  const { commit } = params;
  const snapshot = await readAdoptedSnapshot({ ...params, onProgress: params.progress });
  const { ids, policyChanges } = await writeEnvironments(tx, snapshot.environments);
  await insertProblems(tx, params.importId, snapshot.problems);
  const bySlug = new Map(snapshot.applications.map((app) => [app.slug, app]));
  const slugs = [...new Set([...snapshot.slugsInGit, ...bySlug.keys()])];
  let created = 0;
  let updated = 0;
  for (let start = 0; start < slugs.length; start += SLICE) {
    const slice = slugs.slice(start, start + SLICE);
    const counts = await writeChanged(tx, {
      commit,
      slugs: slice,
      applications: slice.flatMap((slug) => bySlug.get(slug) ?? []),
      environmentIds: ids,
      compare: params.base !== null,
    });
    created += counts.created;
    updated += counts.updated;
  }
  const archived = await archiveMissingApplications(tx, slugs);
  await forgetApplications(tx, { keep: slugs });
  await recordPolicyChanges(tx, commit, policyChanges);
  return {
    mode: "full",
    appsSeen: snapshot.applications.length,
    appsCreated: created,
    appsUpdated: updated,
    appsArchived: archived,
    problems: snapshot.problems.length,
    discovery: snapshot.discovery,
  };
}

/** Convention applications read, parsed and written `SLICE` at a time. */
async function writeConventionSlices(
  tx: Prisma.TransactionClient,
  params: CommitParams & {
    blobs: Blobs;
    apps: ReturnType<typeof describeLayout>["apps"];
    environmentNames: ReadonlySet<string>;
    environmentIds: ReadonlyMap<string, string>;
    charts: ReadonlySet<string>;
  },
): Promise<{ created: number; updated: number; readable: number; problems: number }> {
  const { git, commit, blobs, apps } = params;
  const total = { created: 0, updated: 0, readable: 0, problems: 0 };
  for (let start = 0; start < apps.length; start += SLICE) {
    const slice = apps.slice(start, start + SLICE);
    const texts = await readTexts({ git, commit, blobs, paths: slice.flatMap(conventionFiles) });
    const read = conventionApplications({ ...params, apps: slice, texts });
    const counts = await writeChanged(tx, {
      commit,
      slugs: slice.map((app) => app.slug),
      applications: read.applications,
      environmentIds: params.environmentIds,
      compare: params.base !== null,
    });
    await insertProblems(tx, params.importId, read.problems);
    total.created += counts.created;
    total.updated += counts.updated;
    total.readable += read.applications.length;
    total.problems += read.problems.length;
    if (apps.length > SLICE) {
      params.progress(`${Math.min(apps.length, start + SLICE)} of ${apps.length} applications`);
      // Where the process allows it (the start's import runs with --expose-gc), the slice's
      // garbage goes now: without a heap limit V8 would rather grow the heap than collect.
      globalThis.gc?.();
    }
  }
  return total;
}

/**
 * Writes the applications whose fingerprint differs from the stored one
 * (all of them without `compare`) and records every slug's fingerprint; a
 * slug without an application is in Git but unreadable.
 */
async function writeChanged(
  tx: Prisma.TransactionClient,
  params: {
    commit: string;
    slugs: readonly string[];
    applications: readonly SnapshotApplication[];
    environmentIds: ReadonlyMap<string, string>;
    compare: boolean;
  },
): Promise<{ created: number; updated: number }> {
  const fingerprints = new Map(params.applications.map((app) => [app.slug, fingerprintOf(app)]));
  const stored = params.compare ? await storedFingerprints(tx, params.slugs) : new Map();
  const changed = params.applications.filter(
    (app) => stored.get(app.slug) !== fingerprints.get(app.slug),
  );
  const counts = await writeApplications(tx, {
    commit: params.commit,
    applications: changed,
    environmentIds: params.environmentIds,
  });
  await recordApplications(
    tx,
    params.slugs.map((slug) => ({ slug, fingerprint: fingerprints.get(slug) ?? null })),
  );
  return counts;
}

/**
 * A repository without a layout file has one rule, Gantry's convention: its
 * apps and cells are what the catalogue now holds (an incremental import
 * wrote only some of them). Two counts over indexed rows.
 */
async function conventionDiscovery(tx: Prisma.TransactionClient): Promise<DiscoverySummary> {
  const [counted] = await tx.$queryRaw<{ apps: bigint; cells: bigint }[]>`
    SELECT count(DISTINCT t."applicationId") AS apps, count(*) AS cells
    FROM "DeploymentTarget" t JOIN "Application" a ON a."id" = t."applicationId"
    WHERE t."archivedAt" IS NULL AND a."archivedAt" IS NULL`;
  return {
    layoutFile: null,
    rules: [
      {
        label: CONVENTION_LABEL,
        apps: Number(counted?.apps ?? 0),
        cells: Number(counted?.cells ?? 0),
      },
    ],
  };
}

async function insertProblems(
  tx: Prisma.TransactionClient,
  importId: string,
  problems: readonly ImportProblemInput[],
): Promise<void> {
  if (problems.length === 0) return;
  await tx.importProblem.createMany({
    data: problems.map((problem) => ({ ...problem, importId })),
  });
}
