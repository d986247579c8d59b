import { isGantryError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { type Actor, GANTRY_ACTOR } from "@/lib/identity/actor";
import { log } from "@/lib/log";
import { readPolicy } from "@/lib/policy/read-policy";
import { lockPromotion, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";
import { proposeRollback } from "@/lib/releases/propose-rollback";
import { openRollback } from "@/lib/releases/roll-back";

const RECENT_MS = 24 * 60 * 60_000;

/** The rule recorded as the actor of a rollback Gantry opened by itself. */
function autoRollbackActor(environment: string): Actor {
  return {
    kind: "system",
    id: `rule:auto-rollback:${environment}`,
    name: `Automatic rollback rule (${environment})`,
    email: GANTRY_ACTOR.email,
  };
}

export interface AutoRollbackOutcome {
  /** Rollback promotions opened now, by the failed promotion they answer. */
  opened: { failedPromotionId: string; rollbackId: string }[];
  /** Promotions that failed but were not rolled back, and why (no earlier version, a freeze that refuses). */
  skipped: { promotionId: string; reason: string }[];
  /** Promotions marked failed because they were not healthy within the window. */
  timedOut: string[];
}

/**
 * Opens the rollback of every promotion that failed after its merge in an
 * environment whose policy has `autoRollback`: a failed sync (the promotion
 * is `failed`, merged), or not deployed (every cluster synced and healthy)
 * within the rollback's `healthyWithin` window after the merge, which marks
 * it failed first. Only the newest merged promotion of an app and
 * environment is rolled back (a later one replaced it already).
 *
 * A job runs this every minute. Idempotent: the rollback records the failed
 * promotion it answers under a unique key, so two runs (or two replicas)
 * never open two rollbacks for one failure.
 */
export async function openAutomaticRollbacks(params: {
  ctx: PromotionContext;
  now?: Date;
}): Promise<AutoRollbackOutcome> {
  const { ctx } = params;
  const now = params.now ?? new Date();
  const outcome: AutoRollbackOutcome = { opened: [], skipped: [], timedOut: [] };
  const environments = (
    await ctx.db.environment.findMany({
      where: { archivedAt: null },
      select: { id: true, name: true, policy: true },
    })
  )
    .map((env) => ({ ...env, policy: readPolicy(env.policy, { environment: env.name }) }))
    .filter((env) => env.policy.autoRollback);

  for (const env of environments) {
    const window = env.policy.rollback.healthyWithinMinutes;
    const deadline = new Date(now.getTime() - window * 60_000);
    const since = new Date(now.getTime() - RECENT_MS);
    const candidates = await ctx.db.promotion.findMany({
      where: {
        toEnvironmentId: env.id,
        kind: "promote",
        mergedAt: { not: null },
        // A failure older than a day is a person's to look at, not a rule's (the rule may be new).
        OR: [
          { state: "failed", failedAt: { gte: since } },
          { state: { in: ["merged", "syncing"] }, mergedAt: { lte: deadline, gte: since } },
        ],
      },
      select: {
        id: true,
        state: true,
        version: true,
        mergedAt: true,
        applicationId: true,
        failureReason: true,
        application: { select: { slug: true, team: { select: { slug: true } } } },
      },
      orderBy: { mergedAt: "asc" },
      take: 100,
    });
    const answered = await ctx.db.promotion.findMany({
      where: {
        kind: "rollback",
        OR: [
          { autoRollbackFor: { in: candidates.map((c) => c.id) } },
          {
            rollsBackId: { in: candidates.map((c) => c.id) },
            state: { notIn: ["closed", "rejected", "superseded"] },
          },
        ],
      },
      select: { autoRollbackFor: true, rollsBackId: true },
    });
    const rolledBack = new Set(answered.flatMap((r) => [r.autoRollbackFor, r.rollsBackId]));
    for (const failed of candidates) {
      if (rolledBack.has(failed.id)) continue;
      const newer = await ctx.db.promotion.count({
        where: {
          applicationId: failed.applicationId,
          toEnvironmentId: env.id,
          mergedAt: { gt: failed.mergedAt ?? now },
        },
      });
      if (newer > 0) continue;
      const actor = autoRollbackActor(env.name);
      let failure = failed.failureReason ?? "failed after its merge";
      if (failed.state !== "failed") {
        failure = `not deployed (every cluster synced and healthy) within ${window} minutes of its merge`;
        const marked = await ctx.db.$transaction(async (tx) => {
          const state = await lockPromotion(tx, failed.id);
          if (state !== "merged" && state !== "syncing") return false;
          await transition({
            tx,
            promotionId: failed.id,
            to: "failed",
            from: ["merged", "syncing"],
            actor,
            detail: failure,
            data: { failureReason: failure },
          });
          return true;
        });
        if (!marked) continue;
        outcome.timedOut.push(failed.id);
      }
      const reason = `Automatic rollback: ${failed.application.slug} ${failed.version} failed in ${env.name}: ${failure}`;
      try {
        const proposal = await proposeRollback({
          db: ctx.db,
          git: ctx.git,
          versionPath: ctx.versionPath,
          application: failed.application.slug,
          environment: env.name,
        });
        const opened = await openRollback({
          ctx,
          proposal,
          actor,
          requestedById: null,
          team: failed.application.team.slug,
          reason: reason.slice(0, 2_000),
          freezeReason: `automatic rollback of a failed promotion (${failed.version})`,
          autoRollbackFor: failed.id,
          now,
        });
        outcome.opened.push({ failedPromotionId: failed.id, rollbackId: opened.promotion.id });
        log.info("automatic rollback opened", {
          failedPromotionId: failed.id,
          rollbackId: opened.promotion.id,
        });
      } catch (error) {
        if (isUniqueViolation(error)) continue; // another run opened it: one failure, one rollback
        if (!isGantryError(error)) throw error;
        outcome.skipped.push({ promotionId: failed.id, reason: error.message });
        log.warn("automatic rollback not opened", {
          promotionId: failed.id,
          reason: error.message,
        });
      }
    }
  }
  return outcome;
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
