import { createHash } from "node:crypto";

/** The hash the first event of the chain links to. */
export const GENESIS_HASH = "0".repeat(64);

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

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
    .sort(([a], [b]) => byCodeUnit(a, b));
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

/** The fields of an event but its place in the chain, which only the database knows when it appends. */
export type UnchainedAuditFields = Omit<HashedAuditFields, "sequence" | "previousHash">;

/**
 * The canonical text auditEventHash hashes, cut around the two chain
 * fields' values: `beforePreviousHash + previousHash + beforeSequence +
 * sequence + afterSequence` is that text, for any previous hash (hex) and
 * sequence (decimal), neither of which JSON escapes. The database fills them
 * in as it appends (gantry_append_audit_event) and hashes the same bytes.
 */
export function auditEventTemplate(event: UnchainedAuditFields): {
  beforePreviousHash: string;
  beforeSequence: string;
  afterSequence: string;
} {
  const fields: Record<string, unknown> = { ...event, at: event.at.toISOString() };
  const holes = new Set(["previousHash", "sequence"]);
  const keys = [
    ...Object.keys(fields).filter((key) => !holes.has(key) && fields[key] !== undefined),
    ...holes,
  ];
  const segments = ["{"];
  for (const [index, key] of keys.sort(byCodeUnit).entries()) {
    if (index > 0) segments[segments.length - 1] += ",";
    if (holes.has(key)) {
      // The value is a JSON string: the hole is between its quotes.
      segments[segments.length - 1] += `${JSON.stringify(key)}:"`;
      segments.push('"');
    } else {
      segments[segments.length - 1] += `${JSON.stringify(key)}:${canonicalJson(fields[key])}`;
    }
  }
  const [beforePreviousHash = "", beforeSequence = "", afterSequence = ""] = segments;
  return { beforePreviousHash, beforeSequence, afterSequence: `${afterSequence}}` };
}
