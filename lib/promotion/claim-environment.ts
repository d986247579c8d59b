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
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`gantry:promotion:${params.application}:${params.environment}`}))`;
  const [application, environment] = await Promise.all([
    tx.application.findUniqueOrThrow({ where: { slug: params.application }, select: { id: true } }),
    tx.environment.findUniqueOrThrow({ where: { name: params.environment }, select: { id: true } }),
  ]);
  const open = await tx.promotion.findMany({
    where: {
      applicationId: application.id,
      toEnvironmentId: environment.id,
      state: { in: [...OPEN_STATES] },
      ...(params.keepMerged ? { mergedAt: null } : {}),
    },
    select: { id: true, version: true, state: true, trainId: true },
    orderBy: { id: "asc" },
  });
  if (open.length > 0) {
    await tx.$queryRaw`
      SELECT id FROM "Promotion" WHERE id = ANY(${open.map((p) => p.id)}::uuid[])
      ORDER BY id FOR UPDATE`;
  }
  const earlier = await tx.promotion.count({
    where: {
      applicationId: application.id,
      toEnvironmentId: environment.id,
      version: params.version,
    },
  });
  return {
    applicationId: application.id,
    environmentId: environment.id,
    open,
    attempt: earlier + 1,
  };
}
