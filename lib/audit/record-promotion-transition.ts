import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { promotionChangeNotification } from "@/lib/events/changes";
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
 * filter on them without joins. The same statement tells open pages that
 * the promotion changed (delivered on commit): the caller has written the
 * change already, and pages re-read it.
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
    /** The promotion as it is now, when the caller has just read it: saves reading it again. */
    facts?: PromotionFacts;
  },
): Promise<void> {
  const promotion = params.facts ?? (await readFacts(tx, params.promotionId));
  const notify = promotionChangeNotification({
    promotionId: params.promotionId,
    application: promotion.application,
    state: params.to,
  });
  await recordAuditEvent(
    tx,
    {
      actor: params.actor,
      at: params.at,
      action: params.action ?? `promotion.${params.to}`,
      outcome: params.to === "failed" ? "failure" : "success",
      target: {
        type: "promotion",
        id: params.promotionId,
        promotionId: params.promotionId,
        application: promotion.application,
        team: promotion.team,
        environment: promotion.environment,
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
    },
    { notify },
  );
}

/** What an event records of its promotion besides the transition. */
export interface PromotionFacts {
  version: string;
  previousVersion: string;
  prNumber: number | null;
  mergeCommit: string | null;
  failureReason: string | null;
  application: string;
  team: string;
  environment: string;
}

/** One plain read: it runs in promotion transactions, on the path a person waits on. */
async function readFacts(
  tx: Prisma.TransactionClient,
  promotionId: string,
): Promise<PromotionFacts> {
  const rows = await tx.$queryRaw<PromotionFacts[]>`
    SELECT p.version, p."previousVersion", p."prNumber", p."mergeCommit", p."failureReason",
      a.slug AS application, t.slug AS team, e.name AS environment
    FROM "Promotion" p
    JOIN "Application" a ON a.id = p."applicationId"
    JOIN "Team" t ON t.id = a."teamId"
    JOIN "Environment" e ON e.id = p."toEnvironmentId"
    WHERE p.id = ${promotionId}::uuid`;
  const facts = rows[0];
  if (!facts) throw new Error(`no promotion ${promotionId} to record a transition of`);
  return facts;
}
