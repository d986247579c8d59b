import { createHash } from "node:crypto";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { SnapshotApplication } from "./snapshot";

/**
 * ImportedApplication: every application directory in Git at the latest
 * import's commit, with a fingerprint of what was written for it. It is what
 * the next import starts from, kept in Postgres so that a restarted process
 * (or another replica) needs nothing in memory and reads nothing again.
 */

/** A short hash of an application as it is written; equal fingerprints mean equal rows. */
export function fingerprintOf(app: SnapshotApplication): string {
  return createHash("sha1").update(JSON.stringify(app)).digest("base64");
}

/** The stored fingerprints of `slugs` (null: in Git but unreadable; absent: not in Git). */
export async function storedFingerprints(
  tx: Prisma.TransactionClient,
  slugs: readonly string[],
): Promise<Map<string, string | null>> {
  if (slugs.length === 0) return new Map();
  const rows = await tx.$queryRaw<{ slug: string; fingerprint: string | null }[]>`
    SELECT "slug", "fingerprint" FROM "ImportedApplication" WHERE "slug" = ANY(${[...slugs]}::text[])`;
  return new Map(rows.map((row) => [row.slug, row.fingerprint]));
}

/**
 * Records what was imported for these applications. An unreadable one
 * (null) keeps its stored catalogue rows: its next readable state is
 * written whatever it is.
 */
export async function recordApplications(
  tx: Prisma.TransactionClient,
  rows: readonly { slug: string; fingerprint: string | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "ImportedApplication" ("slug", "fingerprint")
    SELECT * FROM unnest(${rows.map((r) => r.slug)}::text[], ${rows.map((r) => r.fingerprint)}::text[])
    ON CONFLICT ("slug") DO UPDATE SET "fingerprint" = EXCLUDED."fingerprint"
    WHERE "ImportedApplication"."fingerprint" IS DISTINCT FROM EXCLUDED."fingerprint"`;
}

/** Forgets applications that left Git: `slugs`, or (`keep`) every one not kept. */
export async function forgetApplications(
  tx: Prisma.TransactionClient,
  which: { slugs: readonly string[] } | { keep: readonly string[] },
): Promise<void> {
  if ("slugs" in which) {
    if (which.slugs.length === 0) return;
    await tx.$executeRaw`
      DELETE FROM "ImportedApplication" WHERE "slug" = ANY(${[...which.slugs]}::text[])`;
    return;
  }
  await tx.$executeRaw`
    DELETE FROM "ImportedApplication" WHERE NOT ("slug" = ANY(${[...which.keep]}::text[]))`;
}

/** How many applications in Git could be read: the import's appsSeen. */
export async function countReadableApplications(tx: Prisma.TransactionClient): Promise<number> {
  const [row] = await tx.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS "count" FROM "ImportedApplication" WHERE "fingerprint" IS NOT NULL`;
  return row?.count ?? 0;
}
