import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { Prisma, PromotionState } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";

/** The most of a transition's words the audit event keeps. */
export const MAX_EVENT_DETAIL = 1_000;

/** A note on a promotion that does not change its state (a cluster reporting trouble while it syncs). */
export const NOTE_ACTION = "promotion.noted";

/**
 * Records one promotion state change (`promotion.<to>`) in `tx`, the
 * transaction that changes the state: both commit, or neither does.
 * Target columns carry the app, team and environment so the timeline can
 * filter on them without joins.
 */
export async function recordPromotionTransition(
  tx: Prisma.TransactionClient,
  params: {
    promotionId: string;
    from: PromotionState | null;
    to: PromotionState;
    actor: Actor;
    /** `promotion.<to>` unless given (a note: `promotion.noted`). */
    action?: string;
    detail?: string | null;
    /** When it happened, for replayed (demo) history; now by default. */
    at?: Date;
  },
): Promise<void> {
  const promotion = await tx.promotion.findUniqueOrThrow({
    where: { id: params.promotionId },
    select: {
      version: true,
      previousVersion: true,
      prNumber: true,
      mergeCommit: true,
      failureReason: true,
      application: { select: { slug: true, team: { select: { slug: true } } } },
      toEnvironment: { select: { name: true } },
    },
  });
  await recordAuditEvent(tx, {
    actor: params.actor,
    at: params.at,
    action: params.action ?? `promotion.${params.to}`,
    outcome: params.to === "failed" ? "failure" : "success",
    target: {
      type: "promotion",
      id: params.promotionId,
      promotionId: params.promotionId,
      application: promotion.application.slug,
      team: promotion.application.team.slug,
      environment: promotion.toEnvironment.name,
    },
    detail: {
      from: params.from,
      to: params.to,
      version: promotion.version,
      previousVersion: promotion.previousVersion,
      prNumber: promotion.prNumber,
      mergeCommit: promotion.mergeCommit,
      ...(params.to === "failed" && promotion.failureReason
        ? { failureReason: promotion.failureReason.slice(0, 500) }
        : {}),
      detail: params.detail?.slice(0, MAX_EVENT_DETAIL) ?? null,
    },
  });
}
