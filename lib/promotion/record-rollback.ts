import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";
import { promotionBranch } from "@/lib/promotion/branch-name";
import { claimEnvironment } from "@/lib/promotion/claim-environment";
import { type PromotionSummary, summarySelect, toSummary } from "@/lib/promotion/dto";
import type { PromotionPlan } from "@/lib/promotion/plan-promotion";
import { createPromotion, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";

export interface RecordRollbackParams {
  ctx: Pick<PromotionContext, "db" | "jobs">;
  /** The plan back to the earlier version (from the current one). */
  plan: PromotionPlan;
  actor: Actor;
  /** The signed-in person who asked, when a person did. */
  requestedById: string | null;
  team: string;
  reason: string;
  /** The promotion whose version is taken out, when known. */
  rollsBackId: string | null;
  /** For a rollback Gantry opens by itself: the failed promotion it answers (one rollback per failure). */
  autoRollbackFor?: string;
  /** The written reason a frozen environment takes the rollback anyway; null when nothing is frozen. */
  freeze: { reason: string; freeze: string; until: Date } | null;
  /** More to write in the same transaction (the hold on the version rolled back from). */
  alsoInTransaction?: (tx: Prisma.TransactionClient, promotionId: string) => Promise<void>;
}

/**
 * Records a rollback promotion as `planned` and enqueues the job that opens
 * its pull request, in one transaction, the way a promotion request is
 * recorded: under the app and environment's lock, superseding any open
 * promotion there (a rollback is what the environment should get next).
 * A rollback during a freeze keeps its written reason (as break-glass) and
 * records `promotion.rollback_during_freeze`.
 */
export async function recordRollback(
  params: RecordRollbackParams,
): Promise<{ promotion: PromotionSummary; superseded: string[] }> {
  const { ctx, plan, actor } = params;
  return ctx.db.$transaction(
    async (tx) => {
      // A promotion that failed after its merge is what the rollback takes out: it ends
      // rolled_back instead of superseded.
      const { applicationId, environmentId, open, attempt } = await claimEnvironment({
        tx,
        application: plan.application.slug,
        environment: plan.environment.name,
        version: plan.version,
        keepMerged: true,
      });
      const created = await createPromotion({
        tx,
        actor,
        detail: `rollback from ${plan.currentVersion} to ${plan.version}: ${params.reason}`,
        promotion: {
          kind: "rollback",
          rollsBackId: params.rollsBackId,
          autoRollbackFor: params.autoRollbackFor ?? null,
          applicationId,
          toEnvironmentId: environmentId,
          fromEnvironment: null,
          version: plan.version,
          previousVersion: plan.currentVersion,
          reason: params.reason,
          breakGlassReason: params.freeze?.reason ?? null,
          requestedByName: actor.name,
          requestedByEmail: actor.email,
          requestedById: params.requestedById,
          planDiff: plan.diff,
          valuesPath: plan.valuesPath,
          // The job commits through these; without them it would edit valuesPath at the
          // convention's key, the wrong place in an adopted repository.
          locators: plan.edits.map((edit) => ({ ...edit, locator: { ...edit.locator } })),
          baseCommit: plan.baseCommit,
          branch: promotionBranch({
            application: plan.application.slug,
            environment: plan.environment.name,
            version: plan.version,
            attempt,
          }),
        },
      });
      if (params.freeze) {
        await recordAuditEvent(tx, {
          actor,
          action: "promotion.rollback_during_freeze",
          target: {
            type: "promotion",
            id: created.id,
            promotionId: created.id,
            application: plan.application.slug,
            team: params.team,
            environment: plan.environment.name,
          },
          detail: {
            reason: params.freeze.reason,
            freeze: params.freeze.freeze,
            frozenUntil: params.freeze.until.toISOString(),
            from: plan.currentVersion,
            to: plan.version,
          },
        });
      }
      for (const older of open) {
        await transition({
          tx,
          promotionId: older.id,
          to: "superseded",
          actor,
          detail: `superseded by rollback ${created.id} (${plan.version})`,
          data: { supersededById: created.id },
        });
      }
      await params.alsoInTransaction?.(tx, created.id);
      await ctx.jobs.enqueueOpenPullRequest({ promotionId: created.id, tx });
      const row = await tx.promotion.findUniqueOrThrow({
        where: { id: created.id },
        select: summarySelect,
      });
      return { promotion: toSummary(row), superseded: open.map((p) => p.id) };
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}
