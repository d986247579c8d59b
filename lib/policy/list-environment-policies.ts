import type { PrismaClient } from "@/lib/generated/prisma/client";
import { type PolicySummary, summarisePolicy } from "@/lib/policy/describe";
import { readPolicy } from "@/lib/policy/read-policy";

/** An environment with its clusters and its policy in words, for /environments and the promote page. */
export interface EnvironmentPolicyView {
  id: string;
  name: string;
  displayName: string;
  description: string;
  /** The environment before it in delivery order; null for the first. */
  previous: string | null;
  clusters: { name: string; region: string | null; provider: string | null }[];
  policy: PolicySummary;
}

/** Every active environment in delivery order, each with its policy as it stands at `now`. */
export async function listEnvironmentPolicies(params: {
  db: PrismaClient;
  now?: Date;
}): Promise<EnvironmentPolicyView[]> {
  const now = params.now ?? new Date();
  const rows = await params.db.environment.findMany({
    where: { archivedAt: null },
    orderBy: { position: "asc" },
    select: {
      id: true,
      name: true,
      displayName: true,
      description: true,
      policy: true,
      clusters: {
        where: { archivedAt: null },
        orderBy: { name: "asc" },
        select: { name: true, region: true, provider: true },
      },
    },
  });
  return rows.map((row, index) => {
    const previous = index > 0 ? (rows[index - 1]?.name ?? null) : null;
    return {
      id: row.id,
      name: row.name,
      displayName: row.displayName,
      description: row.description,
      previous,
      clusters: row.clusters,
      policy: summarisePolicy({
        environment: row.name,
        previousEnvironment: previous,
        policy: readPolicy(row.policy, { environment: row.name }),
        now,
      }),
    };
  });
}

/** An environment as a column of the catalogue: its names, and its freeze message when frozen now. */
export interface EnvironmentColumn {
  id: string;
  name: string;
  displayName: string;
  frozen: string | null;
}

type ColumnRow = { id: string; name: string; displayName: string; policy: unknown };

/**
 * Environments and their policies change only when the catalogue is
 * imported, so the catalogue reads them once per import and process (the
 * import's id is the key: any replica sees a new import at its next page).
 * Freezes are still judged at `now`, on every call.
 */
let columnsCache: { importId: string; rows: ColumnRow[] } | undefined;

/** Every active environment in delivery order, with its freeze at `now`: the catalogue's columns. */
export async function listEnvironmentColumns(params: {
  db: PrismaClient;
  /** The latest successful import (latestImportId); null reads every time. */
  importId: string | null;
  now?: Date;
}): Promise<EnvironmentColumn[]> {
  const now = params.now ?? new Date();
  const { importId } = params;
  const rows =
    importId !== null && columnsCache?.importId === importId
      ? columnsCache.rows
      : await params.db.environment.findMany({
          where: { archivedAt: null },
          orderBy: { position: "asc" },
          select: { id: true, name: true, displayName: true, policy: true },
        });
  if (importId !== null) columnsCache = { importId, rows };
  return rows.map((row, index) => ({
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    frozen:
      summarisePolicy({
        environment: row.name,
        previousEnvironment: index > 0 ? (rows[index - 1]?.name ?? null) : null,
        policy: readPolicy(row.policy, { environment: row.name }),
        now,
      }).frozen?.message ?? null,
  }));
}
