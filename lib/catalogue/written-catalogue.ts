import { createHash } from "node:crypto";
import { ParseCache } from "./parse-cache";
import type { RepoSnapshot, SnapshotApplication } from "./snapshot";

/**
 * What this process last wrote to the catalogue, as one short fingerprint per
 * application: enough to tell which applications a new snapshot changes
 * without reading the stored catalogue back. It describes the database only
 * while that import is still the latest one there (another process, or a
 * restore, may have imported since); the importer checks that under its lock.
 */
export interface WrittenCatalogue {
  importId: string;
  settings: string;
  environments: string;
  /** Applications as last written; a broken one keeps the fingerprint of what is stored. */
  applications: Map<string, string>;
  slugsInGit: Set<string>;
}

/** What one import needs to write, compared with the catalogue written before it. */
export interface CatalogueChanges {
  applications: SnapshotApplication[];
  /** Apps gone from Git since the previous import. */
  archive: string[];
  environments: boolean;
}

/** The importer's memory between imports in one process: parsed files and the catalogue last written. */
export interface ImportMemory {
  parses: ParseCache;
  written: WrittenCatalogue | null;
}

export function createImportMemory(maxBytes = 48 * 1024 * 1024): ImportMemory {
  return { parses: new ParseCache(maxBytes), written: null };
}

/**
 * The process's memory. One import runs at a time (imports queue on an
 * advisory lock); what it keeps is a few hundred bytes per file and a hash
 * per application, bounded by the parse cache's limit.
 */
export const sharedImportMemory = createImportMemory();

function fingerprint(value: unknown): string {
  return createHash("sha1").update(JSON.stringify(value)).digest("base64");
}

/** The fingerprints of a snapshot about to be written, after `previous` (null: written whole). */
export function fingerprintSnapshot(params: {
  importId: string;
  settings: string;
  snapshot: RepoSnapshot;
  previous: WrittenCatalogue | null;
}): WrittenCatalogue {
  const { snapshot, previous } = params;
  const applications = new Map<string, string>();
  for (const app of snapshot.applications) applications.set(app.slug, fingerprint(app));
  // An app that cannot be read now keeps its stored rows: so does its fingerprint.
  for (const slug of snapshot.slugsInGit) {
    const kept = previous?.applications.get(slug);
    if (!applications.has(slug) && kept !== undefined) applications.set(slug, kept);
  }
  return {
    importId: params.importId,
    settings: params.settings,
    environments: fingerprint(snapshot.environments),
    applications,
    slugsInGit: new Set(snapshot.slugsInGit),
  };
}

/** Which applications, archivals and environments differ between what was written and what is next. */
export function changesSince(
  previous: WrittenCatalogue,
  next: WrittenCatalogue,
  snapshot: RepoSnapshot,
): CatalogueChanges {
  return {
    applications: snapshot.applications.filter(
      (app) => previous.applications.get(app.slug) !== next.applications.get(app.slug),
    ),
    archive: [...previous.slugsInGit].filter((slug) => !next.slugsInGit.has(slug)),
    environments: previous.environments !== next.environments,
  };
}
