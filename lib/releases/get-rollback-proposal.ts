import type { PromotionContext } from "@/lib/promotion/types";
import { proposeRollback } from "@/lib/releases/propose-rollback";

/** A rollback proposal as the API and the CLI show it: what would change, before anyone asks for it. */
export interface RollbackProposalView {
  application: string;
  environment: string;
  /** What the environment runs now, the version rolled back from (and held once rolled back). */
  currentVersion: string;
  /** The version a rollback would go to. */
  version: string;
  basis: string;
  /** The promotion the rollback takes out; null when unknown. */
  rollsBackId: string | null;
  valuesPath: string;
  baseCommit: string;
  /** The exact change the rollback's pull request would commit. */
  diff: string;
}

/**
 * What rolling `application` back in `environment` would do (proposeRollback),
 * without the planner's internals. Nothing is recorded; an unknown application
 * or environment is not_found, and an environment with nothing to roll back
 * to is unprocessable, saying why.
 */
export async function getRollbackProposal(params: {
  ctx: PromotionContext;
  application: string;
  environment: string;
}): Promise<RollbackProposalView> {
  const proposal = await proposeRollback({
    db: params.ctx.db,
    git: params.ctx.git,
    versionPath: params.ctx.versionPath,
    application: params.application,
    environment: params.environment,
  });
  return {
    application: proposal.application,
    environment: proposal.environment,
    currentVersion: proposal.currentVersion,
    version: proposal.version,
    basis: proposal.basis,
    rollsBackId: proposal.rollsBackId,
    valuesPath: proposal.plan.valuesPath,
    baseCommit: proposal.plan.baseCommit,
    diff: proposal.plan.diff,
  };
}
