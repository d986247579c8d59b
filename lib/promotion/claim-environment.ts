import { GantryError } from "@/lib/errors";
import type { Prisma, PromotionState } from "@/lib/generated/prisma/client";
import { OPEN_STATES } from "@/lib/promotion/transitions";

/** An open promotion of the app and environment, locked for this transaction. */
interface OpenPromotion {
  id: string;
  version: string;
  state: PromotionState;
  trainId: string | null;
}

export interface ClaimedEnvironment {
  applicationId: string;
  environmentId: string;
  /** The open promotions there, oldest id first, their rows locked: a new one supersedes them. */
  open: OpenPromotion[];
  /** 1 for the first promotion of this version there, then 2, 3…: the branch number. */
  attempt: number;
}

/**
 * The start of every transaction that records a new promotion of an
 * application to an environment (a request, a rollback, a train): takes the
 * app and environment's advisory lock, so superseding and branch numbering
 * see every earlier promotion; looks up the ids; locks the rows of the open
 * promotions there before the audit chain's lock (every transition takes
 * its locks in that order: the other way round could deadlock with a job
 * holding one of them and waiting for the chain); and counts earlier
 * promotions of the same version for the branch number.
 *
 * `keepMerged`: a promotion that failed after its merge stays out of
 * `open` (a rollback takes it out instead: it ends rolled_back).
 */
export async function claimEnvironment(params: {
  tx: Prisma.TransactionClient;
  application: string;
  environment: string;
  version: string;
  keepMerged?: boolean;
}): Promise<ClaimedEnvironment> {
  const { tx } = params;
  // A statement of its own: the read below must take its snapshot after the lock is held,
  // so it sees every promotion committed by whoever held it before.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`gantry:promotion:${params.application}:${params.environment}`}))`;
  // One round trip: the ids, the open promotions' rows locked (oldest id first, the order
  // every transaction locks them in), and the earlier promotions of the version.
  const rows = await tx.$queryRaw<
    {
      applicationId: string;
      environmentId: string;
      open: OpenPromotion[] | null;
      earlier: bigint;
    }[]
  >`
    WITH target AS (
      SELECT a.id AS "applicationId", e.id AS "environmentId"
      FROM "Application" a, "Environment" e
      WHERE a.slug = ${params.application} AND e.name = ${params.environment}
    ), open AS (
      SELECT p.id, p.version, p.state, p."trainId"
      FROM "Promotion" p JOIN target t
        ON p."applicationId" = t."applicationId" AND p."toEnvironmentId" = t."environmentId"
      WHERE p.state = ANY(${[...OPEN_STATES]}::"PromotionState"[])
        AND (NOT ${params.keepMerged ?? false} OR p."mergedAt" IS NULL)
      ORDER BY p.id
      FOR UPDATE OF p
    )
    SELECT t."applicationId", t."environmentId",
      (SELECT json_agg(json_build_object(
          'id', o.id, 'version', o.version, 'state', o.state, 'trainId', o."trainId"
        ) ORDER BY o.id) FROM open o) AS open,
      (SELECT count(*) FROM "Promotion" p
        WHERE p."applicationId" = t."applicationId" AND p."toEnvironmentId" = t."environmentId"
          AND p.version = ${params.version}) AS earlier
    FROM target t`;
  const row = rows[0];
  if (!row) {
    throw new GantryError(
      "not_found",
      `No application "${params.application}" or environment "${params.environment}" in the catalogue`,
    );
  }
  return {
    applicationId: row.applicationId,
    environmentId: row.environmentId,
    open: row.open ?? [],
    attempt: Number(row.earlier) + 1,
  };
}
