import { createHash } from "node:crypto";

/** The hash the first event of the chain links to. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * JSON with object keys sorted at every depth and no whitespace: the same
 * value always gives the same text, whatever order Postgres' jsonb returns
 * its keys in.
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(",")}}`;
}

/** The fields of an event that its hash covers: all of them but the hash itself. */
export interface HashedAuditFields {
  sequence: bigint;
  at: Date;
  actorKind: string;
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string | null;
  application: string | null;
  team: string | null;
  environment: string | null;
  promotionId: string | null;
  cluster: string | null;
  outcome: string;
  requestId: string | null;
  sourceAddress: string | null;
  detail: unknown;
  previousHash: string;
}

export function auditEventHash(event: HashedAuditFields): string {
  const canonical = canonicalJson({
    ...event,
    sequence: event.sequence.toString(),
    at: event.at.toISOString(),
  });
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}
