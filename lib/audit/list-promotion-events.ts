import { z } from "zod";
import type { PrismaClient, PromotionState } from "@/lib/generated/prisma/client";
import { PromotionState as PromotionStates } from "@/lib/generated/prisma/enums";
import type { ActorKind } from "@/lib/identity/actor";

/** One step in a promotion's history, as its page lists it. */
export interface PromotionEventView {
  /** The audit event's id. */
  id: string;
  /** Null for the request that created it. */
  fromState: PromotionState | null;
  /** The same as fromState for a note (`promotion.noted`). */
  toState: PromotionState;
  actor: { kind: ActorKind; id: string | null; name: string };
  detail: string | null;
  /** ISO 8601. */
  at: string;
}

const State = z.enum(PromotionStates);
/** What record-promotion-transition writes into an event's detail. */
const TransitionDetail = z.object({
  from: State.nullable(),
  to: State,
  detail: z.string().nullable().optional(),
});
const ACTOR_KINDS: readonly ActorKind[] = ["person", "token", "agent", "rule", "system"];

/**
 * A promotion's history, oldest first, read from the audit chain: its
 * request, every state change and every note, each written in the
 * transaction of the change it records. Other events about the promotion
 * (approvals, break-glass) are on the audit timeline, not here.
 */
export async function listPromotionEvents(params: {
  db: PrismaClient;
  promotionId: string;
}): Promise<PromotionEventView[]> {
  const rows = await params.db.auditEvent.findMany({
    where: { promotionId: params.promotionId, action: { startsWith: "promotion." } },
    select: {
      id: true,
      at: true,
      actorKind: true,
      actorId: true,
      actorName: true,
      detail: true,
    },
    orderBy: { sequence: "asc" },
  });
  const events: PromotionEventView[] = [];
  for (const row of rows) {
    const detail = TransitionDetail.safeParse(row.detail);
    if (!detail.success) continue; // promotion.break_glass and the like: not a step
    const kind = ACTOR_KINDS.find((k) => k === row.actorKind) ?? "system";
    events.push({
      id: row.id,
      fromState: detail.data.from,
      toState: detail.data.to,
      actor: { kind, id: row.actorId, name: row.actorName },
      detail: detail.data.detail ?? null,
      at: row.at.toISOString(),
    });
  }
  return events;
}
