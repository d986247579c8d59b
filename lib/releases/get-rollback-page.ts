import { isGantryError } from "@/lib/errors";
import { refusal } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { frozenMessage } from "@/lib/policy/describe";
import { activeFreeze } from "@/lib/policy/freeze";
import { readPolicy } from "@/lib/policy/read-policy";
import { applicationTeam } from "@/lib/promotion/promotion-resource";
import type { PromotionContext } from "@/lib/promotion/types";
import { proposeRollback } from "@/lib/releases/propose-rollback";

/** What /apps/{slug}/rollback shows: the proposal and its exact change, or why there is none. */
export interface RollbackPageView {
  application: string;
  environment: string;
  proposal: {
    currentVersion: string;
    version: string;
    basis: string;
    diff: string;
    valuesPath: string;
    baseCommit: string;
  } | null;
  /** Why nothing can be proposed, in words. */
  refusal: string | null;
  /** Why this person may not roll back, in words; null when they may. */
  requestRefusal: string | null;
  /** Approvals the rollback needs. */
  approvals: number;
  /** "prod is frozen until …", when frozen now. */
  freezeMessage: string | null;
  /** False when the environment's policy refuses rollbacks during a freeze. */
  allowedDuringFreeze: boolean;
}

/**
 * The view model of the rollback page. An unknown application or
 * environment is a not_found error; a proposal that cannot be made (no
 * earlier version, an unreadable file) is shown as the refusal.
 */
export async function getRollbackPage(params: {
  ctx: PromotionContext;
  principal: Principal;
  application: string;
  environment: string;
  now?: Date;
}): Promise<RollbackPageView> {
  const { ctx, principal, application, environment } = params;
  const team = await applicationTeam(ctx.db, application);
  const env = await ctx.db.environment.findUnique({
    where: { name: environment },
    select: { policy: true },
  });
  const policy = readPolicy(env?.policy ?? {}, { environment });
  const now = params.now ?? new Date();
  const freeze = activeFreeze(policy, now);
  let proposal: RollbackPageView["proposal"] = null;
  let why: string | null = null;
  try {
    const proposed = await proposeRollback({
      db: ctx.db,
      git: ctx.git,
      versionPath: ctx.versionPath,
      application,
      environment,
    });
    proposal = {
      currentVersion: proposed.currentVersion,
      version: proposed.version,
      basis: proposed.basis,
      diff: proposed.plan.diff,
      valuesPath: proposed.plan.valuesPath,
      baseCommit: proposed.plan.baseCommit,
    };
  } catch (error) {
    if (!isGantryError(error) || error.code === "not_found") throw error;
    why = error.message;
  }
  return {
    application,
    environment,
    proposal,
    refusal: why,
    requestRefusal: refusal(principal, "promotion:request", { team, environment }),
    approvals: policy.rollback.approvals,
    freezeMessage: freeze
      ? frozenMessage({ environment, until: freeze.until, reason: freeze.reason, now })
      : null,
    allowedDuringFreeze: policy.rollback.allowDuringFreeze,
  };
}
