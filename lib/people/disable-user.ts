import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";
import { endAccess } from "@/lib/people/end-access";
import { forgetSignedInPeople } from "@/lib/people/session-cache";
import { type Acting, assertAnotherActiveAdmin, authorize } from "@/lib/people/update-user-grants";

/**
 * Disables a person: they cannot sign in, every session they hold ends
 * now and their personal API tokens are revoked for good (enabling them
 * again does not revive them). The row, the ended access and a
 * `user.disabled` audit event are one transaction. The last active admin cannot be disabled.
 */
export async function disableUser(params: {
  db: PrismaClient;
  acting: Acting;
  userId: string;
}): Promise<{ disabledAt: Date }> {
  const actor = authorize(params.acting, "user:manage");
  const changed = params.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { id: params.userId },
      select: { id: true, email: true, disabledAt: true },
    });
    if (!user) throw new GantryError("not_found", `No person with id ${params.userId}`);
    if (user.disabledAt) return { disabledAt: user.disabledAt };
    const self = params.acting !== "system" && params.acting.id === user.id;
    await assertAnotherActiveAdmin(tx, user, self ? "disable yourself" : "disable them");
    const disabledAt = new Date();
    await tx.user.update({ where: { id: user.id }, data: { disabledAt } });
    const ended = await endAccess(tx, user.id);
    await recordAuditEvent(tx, {
      actor,
      action: "user.disabled",
      target: { type: "user", id: user.id },
      detail: { email: user.email, ...ended },
    });
    return { disabledAt };
  }, AUDIT_TRANSACTION);
  // After the commit, this process stops answering from what it knew of the person.
  return changed.finally(forgetSignedInPeople);
}

/**
 * Lets a disabled person sign in again (`user.enabled`); their grants are as
 * they were, their old API tokens stay revoked.
 */
export async function enableUser(params: {
  db: PrismaClient;
  acting: Acting;
  userId: string;
}): Promise<void> {
  const actor = authorize(params.acting, "user:manage");
  await params.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { id: params.userId },
      select: { id: true, email: true, disabledAt: true },
    });
    if (!user) throw new GantryError("not_found", `No person with id ${params.userId}`);
    if (!user.disabledAt) return;
    await tx.user.update({ where: { id: user.id }, data: { disabledAt: null } });
    await recordAuditEvent(tx, {
      actor,
      action: "user.enabled",
      target: { type: "user", id: user.id },
      detail: { email: user.email },
    });
  }, AUDIT_TRANSACTION);
}
