import { sharedRead } from "@/lib/db";
import type { PrismaClient } from "@/lib/generated/prisma/client";

/** A cluster Gantry has not heard from within the staleness bound. */
interface ClusterOutage {
  name: string;
  environment: string;
  /** The last accepted report; null when the cluster never reported. */
  lastSeenAt: Date | null;
  /** Since when it is silent: its last report, or its registration when it never reported. */
  since: Date;
}

/** The Git host could not be read by the latest imports. */
interface GitHostOutage {
  /** The first failed import after the last one that succeeded. */
  since: Date;
  /** The last time the repository was read in full; null when never. */
  lastReadAt: Date | null;
  /** The latest import's reason, safe to show. */
  error: string;
}

export interface Outages {
  clusters: ClusterOutage[];
  git: GitHostOutage | null;
}

/** At most this many silent clusters are named; a fleet-wide outage is one line either way. */
const MAX_CLUSTERS = 20;

/**
 * What the portal cannot currently hear from, and since when, so every page
 * can say which of its figures may be old while the rest of it renders: active
 * clusters past the staleness bound (or never heard from), and the Git host
 * when the latest imports failed. Small queries on indexed columns: the
 * clusters, and the latest import (more only while imports fail).
 */
export function listOutages(params: {
  db: PrismaClient;
  now: Date;
  staleAfterSeconds: number;
}): Promise<Outages> {
  // Every page asks: callers at the same moment share one read (its `now` is the first caller's).
  return sharedRead(params.db, `outages:${params.staleAfterSeconds}`, () => readOutages(params));
}

async function readOutages(params: {
  db: PrismaClient;
  now: Date;
  staleAfterSeconds: number;
}): Promise<Outages> {
  const { db, now, staleAfterSeconds } = params;
  const bound = new Date(now.getTime() - staleAfterSeconds * 1000);
  const [clusters, git] = await Promise.all([
    db.cluster.findMany({
      where: { archivedAt: null, OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: bound } }] },
      orderBy: [{ lastSeenAt: { sort: "asc", nulls: "first" } }, { name: "asc" }],
      take: MAX_CLUSTERS,
      select: {
        name: true,
        lastSeenAt: true,
        createdAt: true,
        environment: { select: { name: true } },
      },
    }),
    gitOutage(db),
  ]);
  return {
    clusters: clusters.map((c) => ({
      name: c.name,
      environment: c.environment.name,
      lastSeenAt: c.lastSeenAt,
      since: c.lastSeenAt ?? c.createdAt,
    })),
    git,
  };
}

/**
 * Every page asks, so the usual answer (the latest import succeeded) costs
 * one row; only while imports fail are the last success and the first
 * failure after it read.
 */
async function gitOutage(db: PrismaClient): Promise<GitHostOutage | null> {
  const latest = await db.catalogImport.findFirst({
    where: { status: { in: ["succeeded", "failed"] } },
    orderBy: { startedAt: "desc" },
    select: { status: true, startedAt: true, error: true },
  });
  if (latest?.status !== "failed") return null;
  const succeeded = await db.catalogImport.findFirst({
    where: { status: "succeeded" },
    orderBy: { startedAt: "desc" },
    select: { startedAt: true, finishedAt: true },
  });
  const firstFailure = await db.catalogImport.findFirst({
    where: { status: "failed", ...(succeeded ? { startedAt: { gt: succeeded.startedAt } } : {}) },
    orderBy: { startedAt: "asc" },
    select: { startedAt: true },
  });
  return {
    since: firstFailure?.startedAt ?? latest.startedAt,
    lastReadAt: succeeded ? (succeeded.finishedAt ?? succeeded.startedAt) : null,
    error: latest.error ?? "the import failed",
  };
}
