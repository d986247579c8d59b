/*
 * lib/promotion owns promotions: plan, request, pull request, review, merge, close and retry, with
 * every state change going through this file.
 */

import { recordPromotionTransition } from "@/lib/audit/record-promotion-transition";
import { GantryError } from "@/lib/errors";
import { notifyPromotionChange } from "@/lib/events/changes";
import type { Prisma, Promotion, PromotionState } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";

/**
 * The promotion state machine, and the only code that changes a
 * promotion's state. Every transition is checked against this table and
 * written together with its PromotionEvent and its audit event in one
 * transaction.
 *
 *   planned → pr_open → approved → merged → syncing → deployed
 *   exits: rejected, closed, failed (retry → planned), superseded, rolled_back
 */
export const TRANSITIONS: Readonly<Record<PromotionState, readonly PromotionState[]>> = {
  planned: ["pr_open", "failed", "closed", "superseded"],
  pr_open: ["approved", "merged", "rejected", "closed", "superseded"],
  // An approval can be dismissed (new commits): back to pr_open.
  approved: ["merged", "pr_open", "rejected", "closed", "superseded"],
  // failed: a cluster reports a failed sync operation at the merge commit or later.
  merged: ["syncing", "deployed", "failed", "rolled_back"],
  syncing: ["deployed", "failed", "rolled_back"],
  deployed: ["rolled_back"],
  failed: ["planned", "closed", "superseded"],
  rejected: [],
  closed: [],
  superseded: [],
  rolled_back: [],
};

/** States in which a promotion is still on its way to a merge, and can be superseded or closed. */
export const OPEN_STATES: readonly PromotionState[] = ["planned", "pr_open", "approved", "failed"];

export function canTransition(from: PromotionState, to: PromotionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: PromotionState, to: PromotionState): void {
  if (!canTransition(from, to)) {
    throw new GantryError(
      "conflict",
      `a promotion that is ${stateInWords(from)} cannot become ${stateInWords(to)}`,
      { details: { from, to } },
    );
  }
}

const STATE_WORDS: Record<PromotionState, string> = {
  planned: "planned",
  pr_open: "open for review",
  approved: "approved",
  merged: "merged",
  syncing: "syncing",
  deployed: "deployed",
  rejected: "rejected",
  closed: "closed",
  failed: "failed",
  superseded: "superseded",
  rolled_back: "rolled back",
};

function stateInWords(state: PromotionState): string {
  return STATE_WORDS[state];
}

/** The timestamp column a state sets when it is entered. */
type StateStamp = Partial<
  Record<
    "prOpenedAt" | "approvedAt" | "mergedAt" | "syncingAt" | "deployedAt" | "failedAt" | "endedAt",
    Date
  >
>;

function stampFor(state: PromotionState, now: Date): StateStamp {
  switch (state) {
    case "pr_open":
      return { prOpenedAt: now };
    case "approved":
      return { approvedAt: now };
    case "merged":
      return { mergedAt: now };
    case "syncing":
      return { syncingAt: now };
    case "deployed":
      return { deployedAt: now };
    case "failed":
      return { failedAt: now };
    case "rejected":
    case "closed":
    case "superseded":
    case "rolled_back":
      return { endedAt: now };
    case "planned":
      return {};
  }
}

/** What a transition may record besides the state. */
export interface TransitionData {
  failureReason?: string | null;
  prNumber?: number;
  prUrl?: string | null;
  headCommit?: string;
  mergeCommit?: string;
  supersededById?: string;
}

/**
 * Moves a promotion to `to` inside `tx`: locks the row, checks the table
 * (illegal → GantryError conflict), writes the new state, its timestamp and
 * `data`, and the event. When `from` is given the promotion must be in one
 * of those states, so a caller acting on what it read earlier cannot act on
 * a promotion that has moved on since.
 */
export async function transition(params: {
  tx: Prisma.TransactionClient;
  promotionId: string;
  to: PromotionState;
  actor: Actor;
  from?: readonly PromotionState[];
  detail?: string;
  data?: TransitionData;
  /** When it happened; defaults to now. Only replayed history (the demo history) passes one. */
  at?: Date;
}): Promise<Promotion> {
  const { tx, promotionId, to } = params;
  const rows = await tx.$queryRaw<{ state: PromotionState; mergedAt: Date | null }[]>`
    SELECT state, "mergedAt" FROM "Promotion" WHERE id = ${promotionId}::uuid FOR UPDATE`;
  const current = rows[0]?.state;
  if (!current) throw new GantryError("not_found", `No promotion with id ${promotionId}`);
  if (current === "failed" && to === "planned" && rows[0]?.mergedAt) {
    // Failed in the clusters after its merge: planning it again would change nothing in Git.
    throw new GantryError(
      "conflict",
      "this promotion is already merged and failed to sync in the clusters; fix it with a new promotion (or a rollback), not a retry",
    );
  }
  if (params.from && !params.from.includes(current)) {
    throw new GantryError(
      "conflict",
      `the promotion is ${stateInWords(current)} now, not ${params.from.map(stateInWords).join(" or ")}`,
      { details: { state: current } },
    );
  }
  assertTransition(current, to);
  const at = params.at ?? new Date();
  const updated = await tx.promotion.update({
    where: { id: promotionId },
    data: { ...params.data, ...stampFor(to, at), state: to },
  });
  await tx.promotionEvent.create({
    data: {
      promotionId,
      fromState: current,
      toState: to,
      actorName: params.actor.name,
      actorEmail: params.actor.email,
      detail: params.detail ?? null,
      ...(params.at ? { at: params.at } : {}),
    },
  });
  await notifyPromotionChange(tx, promotionId); // open pages re-read on commit
  // Last, since it holds the audit chain's lock until the transaction ends.
  await recordPromotionTransition(tx, {
    promotionId,
    from: current,
    to,
    actor: params.actor,
    detail: params.detail,
    at: params.at,
  });
  return updated;
}

/** Records data on a promotion without changing its state (the job's progress), under the same lock. */
export async function lockPromotion(
  tx: Prisma.TransactionClient,
  promotionId: string,
): Promise<PromotionState> {
  const rows = await tx.$queryRaw<{ state: PromotionState }[]>`
    SELECT state FROM "Promotion" WHERE id = ${promotionId}::uuid FOR UPDATE`;
  const state = rows[0]?.state;
  if (!state) throw new GantryError("not_found", `No promotion with id ${promotionId}`);
  return state;
}
