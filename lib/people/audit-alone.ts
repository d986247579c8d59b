import { type AuditEventInput, recordAuditEvent } from "@/lib/audit/record-audit-event";
import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * How long sign-in and account changes wait for the audit chain. Other
 * writers of the chain (a long import, the demo history) may hold its lock
 * for a while; a sign-in should wait rather than fail.
 */
export const AUDIT_TRANSACTION = { maxWait: 10_000, timeout: 30_000 } as const;

/** One audit event that is the whole change (a sign-in, a failure, a sign-out). */
export async function auditAlone(db: PrismaClient, input: AuditEventInput): Promise<void> {
  await db.$transaction((tx) => recordAuditEvent(tx, input), AUDIT_TRANSACTION);
}
