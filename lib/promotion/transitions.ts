/*
 * lib/promotion owns promotions: plan, request, pull request, review, merge, close and retry, with
 * every state change going through this file.
 */

import {
  MAX_EVENT_DETAIL,
  NOTE_ACTION,
  recordPromotionTransition,
} from "@/lib/audit/record-promotion-transition";
import { GantryError } from "@/lib/errors";
import { Prisma, type Promotion, type PromotionState } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";

/**
 * The promotion state machine, and the only code that creates a promotion
 * or changes its state. Every transition is checked against this table and
 * written together with its audit event in one transaction: the audit chain
 * is the promotion's one history (lib/audit/list-promotion-events reads it
 * back for the promotion page).
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
  // rolled_back: a promotion that failed after its merge, taken out by a rollback.
  failed: ["planned", "closed", "superseded", "rolled_back"],
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
  /** Merged on the Git host while `gantry/policy` was not success. */
  mergedOutsidePolicy?: boolean;
  /** Only replayed history passes one; on `deployed` it is otherwise PR opened → deployed. */
  leadTimeSeconds?: number;
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
  // Locked with what its audit event names (app, team, environment), so the event reads nothing.
  const rows = await tx.$queryRaw<
    {
      state: PromotionState;
      mergedAt: Date | null;
      prOpenedAt: Date | null;
      application: string;
      team: string;
      environment: string;
    }[]
  >`
    SELECT p.state, p."mergedAt", p."prOpenedAt", a.slug AS application, t.slug AS team,
      e.name AS environment
    FROM "Promotion" p
    JOIN "Application" a ON a.id = p."applicationId"
    JOIN "Team" t ON t.id = a."teamId"
    JOIN "Environment" e ON e.id = p."toEnvironmentId"
    WHERE p.id = ${promotionId}::uuid
    FOR UPDATE OF p`;
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
  // A rollback that merges takes the promotion it rolls back out of the environment: that one
  // becomes rolled_back in the same transaction. Its row is locked now, before the audit
  // chain's lock, as every transition takes its locks.
  const rolledBack =
    to === "merged"
      ? (
          await tx.$queryRaw<{ id: string; state: PromotionState }[]>`
            SELECT target.id, target.state FROM "Promotion" rollback
            JOIN "Promotion" target ON target.id = rollback."rollsBackId"
            WHERE rollback.id = ${promotionId}::uuid AND rollback.kind = 'rollback'
            FOR UPDATE OF target`
        )[0]
      : undefined;
  const at = params.at ?? new Date();
  const prOpenedAt = rows[0]?.prOpenedAt;
  // The lead time the insights measure: from the pull request opening to every cluster running it.
  const leadTime =
    to === "deployed" && params.data?.leadTimeSeconds === undefined && prOpenedAt
      ? { leadTimeSeconds: Math.max(0, Math.round((at.getTime() - prOpenedAt.getTime()) / 1000)) }
      : {};
  const updated = await tx.promotion.update({
    where: { id: promotionId },
    data: {
      ...params.data,
      ...leadTime,
      ...stampFor(to, at),
      state: to,
      // The stored pull request was true of the state before: the next read asks the host.
      pullRequestSnapshot: Prisma.DbNull,
      pullRequestSnapshotAt: null,
    },
  });
  // Last, since it holds the audit chain's lock until the transaction ends; it also tells open
  // pages, on commit, that the promotion changed.
  const locked = rows[0];
  await recordPromotionTransition(tx, {
    promotionId,
    from: current,
    to,
    actor: params.actor,
    detail: params.detail,
    at: params.at,
    facts: locked && {
      version: updated.version,
      previousVersion: updated.previousVersion,
      prNumber: updated.prNumber,
      mergeCommit: updated.mergeCommit,
      failureReason: updated.failureReason,
      application: locked.application,
      team: locked.team,
      environment: locked.environment,
    },
  });
  if (rolledBack && canTransition(rolledBack.state, "rolled_back")) {
    await transition({
      tx,
      promotionId: rolledBack.id,
      to: "rolled_back",
      actor: params.actor,
      detail: `rolled back by promotion ${promotionId} (back to ${updated.version})`,
      at: params.at,
    });
  }
  return updated;
}

/** What a new promotion holds; its state is `planned`, set here and nowhere else. */
export type NewPromotion = Omit<
  Prisma.PromotionUncheckedCreateInput,
  "id" | "state" | "events" | "approvals" | "supersedes"
>;

/**
 * Records a new promotion as `planned` inside `tx`, with its audit event
 * (`promotion.planned`, from nothing). The caller holds whatever lock
 * serialises requests for the same app and environment, and takes every
 * row lock it needs before this, since the audit chain's lock is taken here.
 */
export async function createPromotion(params: {
  tx: Prisma.TransactionClient;
  promotion: NewPromotion;
  actor: Actor;
  detail?: string;
  /** When it happened; only replayed history (the demo history) passes one. */
  at?: Date;
  /** The application's slug and team and the environment's name, when the caller knows them. */
  names?: { application: string; team: string; environment: string };
}): Promise<Promotion> {
  // The whole row comes back with the insert (RETURNING): a caller that shows it reads nothing more.
  const created = await params.tx.promotion.create({
    data: {
      ...params.promotion,
      ...(params.at ? { createdAt: params.at } : {}),
      state: "planned",
    },
  });
  const { names, promotion } = params;
  await recordPromotionTransition(params.tx, {
    promotionId: created.id,
    from: null,
    to: "planned",
    actor: params.actor,
    detail: params.detail,
    at: params.at,
    facts: names && {
      ...names,
      version: promotion.version,
      previousVersion: promotion.previousVersion,
      prNumber: promotion.prNumber ?? null,
      mergeCommit: promotion.mergeCommit ?? null,
      failureReason: promotion.failureReason ?? null,
    },
  });
  return created;
}

/**
 * Notes something about a promotion without changing its state (a cluster
 * reports trouble while it syncs): an audit event `promotion.noted` in the
 * promotion's history. With `once`, a note worded exactly like an earlier
 * one is not written again; returns whether it was written.
 */
export async function notePromotion(params: {
  tx: Prisma.TransactionClient;
  promotionId: string;
  actor: Actor;
  detail: string;
  once?: boolean;
}): Promise<boolean> {
  const { tx, promotionId } = params;
  const state = await lockPromotion(tx, promotionId);
  const detail = params.detail.slice(0, MAX_EVENT_DETAIL);
  if (params.once) {
    const seen = await tx.auditEvent.findFirst({
      where: { promotionId, action: NOTE_ACTION, detail: { path: ["detail"], equals: detail } },
      select: { sequence: true },
    });
    if (seen) return false;
  }
  await recordPromotionTransition(tx, {
    promotionId,
    from: state,
    to: state,
    action: NOTE_ACTION,
    actor: params.actor,
    detail,
  });
  return true;
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
