import { auditEventHash, GENESIS_HASH, type HashedAuditFields } from "@/lib/audit/canonical";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import type { Person } from "@/lib/identity/principal";

export const AUDITOR: Person = {
  kind: "person",
  id: "00000000-0000-4000-8000-00000000a0d1",
  name: "Ada Auditor",
  email: "ada@example.com",
  roles: ["admin"],
  teams: [],
  approverEnvironments: ["*"],
  breakGlass: false,
  gitLogin: null,
};

export const VIEWER: Person = {
  ...AUDITOR,
  id: "00000000-0000-4000-8000-00000000b0b0",
  name: "Vic Viewer",
  email: "vic@example.com",
  roles: ["viewer"],
};

export type EventSeed = Partial<Omit<HashedAuditFields, "sequence" | "previousHash">>;

/**
 * Appends valid, chained events in bulk (createMany), for tests that need
 * many: the same hashing as recordAuditEvent, without its per-event
 * transaction.
 */
export async function appendEvents(db: PrismaClient, seeds: readonly EventSeed[]): Promise<void> {
  const last = await db.auditEvent.findFirst({
    orderBy: { sequence: "desc" },
    select: { sequence: true, hash: true },
  });
  let sequence = last?.sequence ?? 0n;
  let previousHash = last?.hash ?? GENESIS_HASH;
  const rows: Prisma.AuditEventCreateManyInput[] = [];
  for (const seed of seeds) {
    sequence += 1n;
    const fields: HashedAuditFields = {
      sequence,
      at: seed.at ?? new Date(Date.UTC(2026, 0, 1) + Number(sequence) * 1000),
      actorKind: seed.actorKind ?? "person",
      actorId: seed.actorId ?? null,
      actorName: seed.actorName ?? "Alice",
      action: seed.action ?? "promotion.planned",
      targetType: seed.targetType ?? "promotion",
      targetId: seed.targetId ?? null,
      application: seed.application ?? null,
      team: seed.team ?? null,
      environment: seed.environment ?? null,
      promotionId: seed.promotionId ?? null,
      cluster: seed.cluster ?? null,
      outcome: seed.outcome ?? "success",
      requestId: seed.requestId ?? null,
      sourceAddress: seed.sourceAddress ?? null,
      detail: seed.detail ?? {},
      previousHash,
    };
    const hash = auditEventHash(fields);
    rows.push({ ...fields, detail: fields.detail as Prisma.InputJsonObject, hash });
    previousHash = hash;
  }
  for (let i = 0; i < rows.length; i += 1_000) {
    await db.auditEvent.createMany({ data: rows.slice(i, i + 1_000) });
  }
}
