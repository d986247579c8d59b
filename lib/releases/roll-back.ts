import { z } from "zod";
import { GantryError } from "@/lib/errors";
import type { Actor } from "@/lib/identity/actor";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { BREAK_GLASS_REASON_MAX, BREAK_GLASS_REASON_MIN } from "@/lib/policy/check-promotion";
import { frozenMessage } from "@/lib/policy/describe";
import { activeFreeze } from "@/lib/policy/freeze";
import { readPolicy } from "@/lib/policy/read-policy";
import type { PromotionSummary } from "@/lib/promotion/dto";
import { applicationTeam } from "@/lib/promotion/promotion-resource";
import { recordRollback } from "@/lib/promotion/record-rollback";
import { MAX_REASON_LENGTH } from "@/lib/promotion/request-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { placeHold } from "@/lib/releases/holds";
import { proposeRollback, type RollbackProposal } from "@/lib/releases/propose-rollback";

/** A rollback as the portal's form, the API and the CLI ask for it. */
export const RollBackInput = z.strictObject({
  app: z.string({ error: "the application slug is required" }).trim().min(1).max(63),
  environment: z.string({ error: "the environment is required" }).trim().min(1).max(63),
  /** The version the person saw proposed; refused when the proposal changed since. */
  version: z.string().trim().min(1).max(200).optional(),
  reason: z
    .string({ error: "say why: the reason goes into the pull request" })
    .trim()
    .min(1, "say why: the reason goes into the pull request")
    .max(MAX_REASON_LENGTH, `at most ${MAX_REASON_LENGTH} characters`),
  /** Why a frozen environment takes the rollback anyway (10–500 characters). */
  freezeReason: z
    .string()
    .max(BREAK_GLASS_REASON_MAX, `at most ${BREAK_GLASS_REASON_MAX} characters`)
    .optional(),
});
export type RollBackInput = z.infer<typeof RollBackInput>;

/** The body of POST /api/v1/apps/{slug}/rollback: the rollback without the application, which the path names. */
export const RollBackBody = RollBackInput.omit({ app: true });

export interface RollBackResult {
  promotion: PromotionSummary;
  proposal: Omit<RollbackProposal, "plan">;
  superseded: string[];
}

/**
 * Rolls an application back in an environment: proposes the version (see
 * proposeRollback), holds to the environment's rollback policy, and opens a
 * promotion of kind `rollback`; the version rolled back from is held there
 * and in every later environment, in the same transaction. For developers
 * of the application's team (and admins), as any promotion request.
 */
export async function rollBack(params: {
  ctx: PromotionContext;
  principal: Principal;
  application: string;
  environment: string;
  reason: string;
  version?: string;
  freezeReason?: string;
  now?: Date;
}): Promise<RollBackResult> {
  const { ctx, principal } = params;
  const team = await applicationTeam(ctx.db, params.application);
  assertCan(principal, "promotion:request", { team, environment: params.environment });
  const reason = params.reason.trim();
  if (reason === "" || reason.length > MAX_REASON_LENGTH) {
    throw new GantryError(
      "bad_request",
      `say why in 1–${MAX_REASON_LENGTH} characters; the reason goes into the pull request`,
      { details: { field: "reason" } },
    );
  }
  const proposal = await proposeRollback({
    db: ctx.db,
    git: ctx.git,
    versionPath: ctx.versionPath,
    application: params.application,
    environment: params.environment,
  });
  if (params.version !== undefined && params.version !== proposal.version) {
    throw new GantryError(
      "conflict",
      `the rollback now goes to ${proposal.version}, not ${params.version} (the environment changed since you looked); check the new proposal and ask again`,
      { details: { field: "version", version: proposal.version } },
    );
  }
  return openRollback({
    ctx,
    proposal,
    actor: actorOf(principal),
    requestedById: principal.kind === "person" ? principal.id : null,
    team,
    reason,
    freezeReason: params.freezeReason,
    now: params.now,
  });
}

/**
 * The rollback itself, for a caller that has checked who asks (a person
 * above, or the environment's automatic rollback rule). A frozen environment
 * takes it only when its rollback policy allows rollbacks during a freeze
 * and a reason of 10–500 characters is given; the reason is kept on the
 * promotion and audited as `promotion.rollback_during_freeze`.
 */
export async function openRollback(params: {
  ctx: PromotionContext;
  proposal: RollbackProposal;
  actor: Actor;
  requestedById: string | null;
  team: string;
  reason: string;
  freezeReason?: string;
  autoRollbackFor?: string;
  now?: Date;
}): Promise<RollBackResult> {
  const { ctx, proposal, actor } = params;
  const environment = proposal.environment;
  const row = await ctx.db.environment.findUniqueOrThrow({
    where: { name: environment },
    select: { policy: true },
  });
  const policy = readPolicy(row.policy, { environment });
  const now = params.now ?? new Date();
  const freeze = activeFreeze(policy, now);
  let freezeRecord: { reason: string; freeze: string; until: Date } | null = null;
  if (freeze) {
    const frozen = frozenMessage({ environment, until: freeze.until, reason: freeze.reason, now });
    if (!policy.rollback.allowDuringFreeze) {
      throw new GantryError(
        "conflict",
        `${frozen}; ${environment}'s policy refuses rollbacks during a freeze`,
        { details: { field: "environment", rule: "freeze" } },
      );
    }
    const reason = params.freezeReason?.trim() ?? "";
    if (reason.length < BREAK_GLASS_REASON_MIN || reason.length > BREAK_GLASS_REASON_MAX) {
      throw new GantryError(
        reason === "" ? "conflict" : "bad_request",
        `${frozen}; a rollback may go ahead if you say why in ${BREAK_GLASS_REASON_MIN}–${BREAK_GLASS_REASON_MAX} characters`,
        {
          details: {
            field: "freezeReason",
            rule: "freeze",
            frozenUntil: freeze.until.toISOString(),
          },
        },
      );
    }
    freezeRecord = { reason, freeze: freeze.reason, until: freeze.until };
  }
  const recorded = await recordRollback({
    ctx,
    plan: proposal.plan,
    actor,
    requestedById: params.requestedById,
    team: params.team,
    reason: params.reason,
    rollsBackId: proposal.rollsBackId,
    autoRollbackFor: params.autoRollbackFor,
    freeze: freezeRecord,
    alsoInTransaction: async (tx, promotionId) => {
      const [app, env] = await Promise.all([
        tx.application.findUniqueOrThrow({
          where: { slug: proposal.application },
          select: { id: true },
        }),
        tx.environment.findUniqueOrThrow({ where: { name: environment }, select: { id: true } }),
      ]);
      await placeHold({
        tx,
        application: { id: app.id, slug: proposal.application, team: params.team },
        environment: { id: env.id, name: environment },
        version: proposal.plan.currentVersion,
        reason: `rolled back in ${environment}: ${params.reason}`,
        rollbackPromotionId: promotionId,
        actor,
      });
    },
  });
  const { plan: _plan, ...shown } = proposal;
  return { promotion: recorded.promotion, proposal: shown, superseded: recorded.superseded };
}
