import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";
import { promotionBranch } from "@/lib/promotion/branch-name";
import { type PromotionSummary, summarySelect, toSummary } from "@/lib/promotion/dto";
import type { PromotionPlan } from "@/lib/promotion/plan-promotion";
import { createPromotion, OPEN_STATES, transition } from "@/lib/promotion/transitions";
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
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`gantry:promotion:${plan.application.slug}:${plan.environment.name}`}))`;
      const [application, environment] = await Promise.all([
        tx.application.findUniqueOrThrow({
          where: { slug: plan.application.slug },
          select: { id: true },
        }),
        tx.environment.findUniqueOrThrow({
          where: { name: plan.environment.name },
          select: { id: true },
        }),
      ]);
      const open = await tx.promotion.findMany({
        where: {
          applicationId: application.id,
          toEnvironmentId: environment.id,
          state: { in: [...OPEN_STATES] },
          // One that failed after its merge is what the rollback takes out: it ends rolled_back.
          mergedAt: null,
        },
        select: { id: true },
        orderBy: { id: "asc" },
      });
      // Row locks before the audit chain's lock (taken by the first event), as every transition does.
      if (open.length > 0) {
        await tx.$queryRaw`
          SELECT id FROM "Promotion" WHERE id = ANY(${open.map((p) => p.id)}::uuid[])
          ORDER BY id FOR UPDATE`;
      }
      const earlier = await tx.promotion.count({
        where: {
          applicationId: application.id,
          toEnvironmentId: environment.id,
          version: plan.version,
        },
      });
      const created = await createPromotion({
        tx,
        actor,
        detail: `rollback from ${plan.currentVersion} to ${plan.version}: ${params.reason}`,
        promotion: {
          kind: "rollback",
          rollsBackId: params.rollsBackId,
          autoRollbackFor: params.autoRollbackFor ?? null,
          applicationId: application.id,
          toEnvironmentId: environment.id,
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
            attempt: earlier + 1,
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
