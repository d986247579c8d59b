import { auditEventHash, GENESIS_HASH } from "@/lib/audit/canonical";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";

/** The CLI: whoever runs it holds the database's credentials, which outrank any permission. */
export const OPERATOR = "operator" as const;

type ChainProblem = "hash_mismatch" | "previous_hash_mismatch" | "sequence_gap";

interface BrokenLink {
  sequence: string;
  id: string;
  problem: ChainProblem;
  /** What is wrong, in words. */
  message: string;
}

export interface ChainVerification {
  ok: boolean;
  /** Events read and checked. */
  checked: number;
  /** The last sequence checked ("0" for an empty chain). */
  lastSequence: string;
  /** The first broken link, in sequence order; null when the chain holds. */
  firstBroken: BrokenLink | null;
  /** Links found broken in all (each edit, gap or forgery counts once). */
  brokenLinks: number;
  startedAt: string;
  durationMs: number;
}

export interface VerifyProgress {
  checked: number;
  lastSequence: bigint;
  /** The highest sequence when the walk started. */
  total: bigint;
}

const SELECT = {
  sequence: true,
  id: true,
  at: true,
  actorKind: true,
  actorId: true,
  actorName: true,
  action: true,
  targetType: true,
  targetId: true,
  application: true,
  team: true,
  environment: true,
  promotionId: true,
  cluster: true,
  outcome: true,
  requestId: true,
  sourceAddress: true,
  detail: true,
  previousHash: true,
  hash: true,
} as const;

/**
 * Walks the audit chain in sequence order, `batchSize` events at a time
 * (keyset on the primary key, so memory stays constant whatever the
 * length), recomputing every event's hash and checking that it links to
 * the one before and that no sequence is missing. Reports the first broken
 * link and how many there are. Events appended while it runs are checked
 * too, up to the end it reaches.
 */
export async function verifyAuditChain(params: {
  db: PrismaClient;
  principal: Principal | null | typeof OPERATOR;
  batchSize?: number;
  onProgress?: (progress: VerifyProgress) => void;
}): Promise<ChainVerification> {
  const { db } = params;
  if (params.principal !== OPERATOR) assertCan(params.principal, "audit:verify");
  const batchSize = params.batchSize ?? 5_000;
  const started = Date.now();
  const [highest] = await db.$queryRaw<{ max: bigint | null }[]>`
    SELECT max(sequence) AS max FROM "AuditEvent"`;
  const total = highest?.max ?? 0n;

  let expectedSequence = 1n;
  let previousHash = GENESIS_HASH;
  let checked = 0;
  let brokenLinks = 0;
  let firstBroken: BrokenLink | null = null;
  const broken = (link: BrokenLink) => {
    brokenLinks += 1;
    firstBroken ??= link;
  };

  for (;;) {
    const batch = await db.auditEvent.findMany({
      where: { sequence: { gte: expectedSequence } },
      orderBy: { sequence: "asc" },
      take: batchSize,
      select: SELECT,
    });
    for (const event of batch) {
      const sequence = event.sequence.toString();
      if (event.sequence !== expectedSequence) {
        broken({
          sequence,
          id: event.id,
          problem: "sequence_gap",
          message:
            event.sequence - expectedSequence === 1n
              ? `event ${expectedSequence} is missing (deleted?): the chain jumps to ${sequence}`
              : `events ${expectedSequence}–${event.sequence - 1n} are missing (deleted?): the chain jumps to ${sequence}`,
        });
      } else if (event.previousHash !== previousHash) {
        broken({
          sequence,
          id: event.id,
          problem: "previous_hash_mismatch",
          message: `event ${sequence} does not link to the event before it: its previous hash ${event.previousHash.slice(0, 12)}… is not ${previousHash.slice(0, 12)}…`,
        });
      }
      const { hash, id: _id, ...fields } = event;
      const recomputed = auditEventHash(fields);
      if (recomputed !== hash) {
        broken({
          sequence,
          id: event.id,
          problem: "hash_mismatch",
          message: `event ${sequence} was altered: its contents hash to ${recomputed.slice(0, 12)}…, not the stored ${hash.slice(0, 12)}…`,
        });
      }
      // Go on from what is stored, so one edit is one broken link, not all that follow.
      previousHash = hash;
      expectedSequence = event.sequence + 1n;
      checked += 1;
    }
    const last = batch.at(-1);
    if (last) params.onProgress?.({ checked, lastSequence: last.sequence, total });
    if (batch.length < batchSize) break;
  }

  return {
    ok: brokenLinks === 0,
    checked,
    lastSequence: (expectedSequence - 1n).toString(),
    firstBroken,
    brokenLinks,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
}
