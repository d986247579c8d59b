/*
 * lib/audit owns the append-only, hash-chained audit log: recording each event in its change's
 * transaction, reading, exporting and verifying the chain.
 */

import { auditEventTemplate, type UnchainedAuditFields } from "@/lib/audit/canonical";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { currentRequestContext } from "@/lib/http/request-context";
import type { Actor } from "@/lib/identity/actor";

type AuditOutcome = "success" | "denied" | "failure";

type AuditTargetType =
  | "promotion"
  | "application"
  | "environment"
  | "cluster"
  | "token"
  | "user"
  | "session"
  | "import"
  | "policy"
  | "release"
  | "release_train"
  | "audit";

/** One thing that happened, as a caller describes it. */
export interface AuditEventInput {
  actor: Actor;
  /** Dotted, past tense: `promotion.requested`, `approval.given`, `session.sign_in_failed`. */
  action: string;
  outcome?: AuditOutcome;
  target: {
    type: AuditTargetType;
    id?: string | null;
    application?: string | null;
    team?: string | null;
    environment?: string | null;
    promotionId?: string | null;
    cluster?: string | null;
  };
  /** Compact facts; never a secret (tokens, passwords, sessions are refused by name). */
  detail?: Record<string, unknown>;
  /**
   * When it happened; defaults to now. Only generated demo history passes a
   * past time: the chain's order stays the order of recording.
   */
  at?: Date;
  /** Defaults to the current request's (lib/http/request-context). */
  requestId?: string | null;
  sourceAddress?: string | null;
}

/** Longest name, id or label kept in a column (they are indexed: a B-tree entry must fit a page). */
const MAX_FIELD_CHARS = 200;
/** Longest string kept anywhere inside the detail. */
const MAX_DETAIL_STRING_CHARS = 2000;

/**
 * Cuts a string that is longer than `max`, saying how much was cut, so that
 * recording an event never fails on the size of what someone typed (a 10 kB
 * name would otherwise break the insert, and the event would be lost).
 */
function boundedText(value: string, max: number): string {
  if (value.length <= max) return value;
  const kept = value.slice(0, max);
  return `${kept}…[truncated ${value.length - max} chars]`;
}

function boundedOrNull(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : boundedText(value, MAX_FIELD_CHARS);
}

function boundedDetail(value: unknown): unknown {
  if (typeof value === "string") return boundedText(value, MAX_DETAIL_STRING_CHARS);
  if (Array.isArray(value)) return value.map(boundedDetail);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, boundedDetail(inner)]),
    );
  }
  return value;
}

const SECRET_KEY =
  /pass(word)?|secret|token(?!Id|Name)|authorization|cookie|session(?!Id)|private.?key|credential/i;

/** A Postgres notification sent in the same statement as the event (delivered on commit). */
export interface Notification {
  channel: string;
  payload: string;
}

/**
 * Appends one event to the audit chain inside `tx`, the transaction of the
 * change it records: when that transaction rolls back, so does the event.
 * One statement (gantry_append_audit_event, with `notify` beside it): it
 * takes the chain's transaction-scoped advisory lock, so the chain never
 * forks, reads the last event after the lock, and hashes and inserts the new
 * one. Callers should record their event last in the transaction to hold
 * the lock briefly. Outside a transaction the statement is one of its own.
 */
export async function recordAuditEvent(
  tx: Prisma.TransactionClient,
  input: AuditEventInput,
  options: { notify?: Notification } = {},
): Promise<{ sequence: bigint; hash: string }> {
  const secretKeys = Object.keys(input.detail ?? {}).filter((key) => SECRET_KEY.test(key));
  if (secretKeys.length > 0) {
    throw new Error(`audit detail must not carry secrets: ${secretKeys.join(", ")}`);
  }
  const request = currentRequestContext();
  const fields: UnchainedAuditFields = {
    // Millisecond precision: what the column keeps is what was hashed.
    at: input.at ? new Date(input.at.getTime()) : new Date(),
    actorKind: input.actor.kind,
    actorId: input.actor.id,
    actorName: boundedText(input.actor.name, MAX_FIELD_CHARS),
    action: input.action,
    targetType: input.target.type,
    targetId: boundedOrNull(input.target.id),
    application: boundedOrNull(input.target.application),
    team: boundedOrNull(input.target.team),
    environment: boundedOrNull(input.target.environment),
    promotionId: input.target.promotionId ?? null,
    cluster: boundedOrNull(input.target.cluster),
    outcome: input.outcome ?? "success",
    requestId: input.requestId !== undefined ? input.requestId : (request?.requestId ?? null),
    sourceAddress:
      input.sourceAddress !== undefined ? input.sourceAddress : (request?.sourceAddress ?? null),
    detail: boundedDetail(JSON.parse(JSON.stringify(input.detail ?? {}))),
  };
  const template = auditEventTemplate(fields);
  const { notify } = options;
  const rows = await tx.$queryRaw<{ sequence: bigint; hash: string }[]>`
    SELECT appended.sequence, appended.hash
      ${notify ? Prisma.sql`, pg_notify(${notify.channel}, ${notify.payload})::text AS notified` : Prisma.empty}
    FROM gantry_append_audit_event(
      ${fields.at.toISOString()}::timestamptz, ${fields.actorKind}, ${fields.actorId},
      ${fields.actorName}, ${fields.action}, ${fields.targetType}, ${fields.targetId},
      ${fields.application}, ${fields.team}, ${fields.environment}, ${fields.promotionId}::uuid,
      ${fields.cluster}, ${fields.outcome}, ${fields.requestId}, ${fields.sourceAddress},
      ${JSON.stringify(fields.detail)}::jsonb, ${template.beforePreviousHash},
      ${template.beforeSequence}, ${template.afterSequence}
    ) appended`;
  const appended = rows[0];
  if (!appended) throw new Error("the audit chain appended no event");
  return appended;
}

/**
 * For an event that is the whole change (a failed sign-in, a denial, an
 * export): one statement, which is a transaction of its own. It waits for
 * the chain's lock as long as another writer (a long import, generated
 * history) holds it: the event should wait rather than fail.
 */
export async function recordAuditEventAlone(
  db: PrismaClient,
  input: AuditEventInput,
): Promise<{ sequence: bigint; hash: string }> {
  return recordAuditEvent(db, input);
}
