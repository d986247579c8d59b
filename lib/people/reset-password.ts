import { randomBytes } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";
import { endAccess } from "@/lib/people/end-access";
import { forgetSignedInPeople } from "@/lib/people/session-cache";
import { type Acting, authorize } from "@/lib/people/update-user-grants";

/** A password to hand over once: 120 random bits, 20 URL-safe characters. */
export function oneTimePassword(): string {
  return randomBytes(15).toString("base64url");
}

/**
 * Gives a local account a new one-time password, which it must change at
 * its next sign-in, ends every session the person holds and revokes their
 * personal API tokens (whoever knew the old password may have made one).
 * The new hash, the ended access and a `user.password_reset` audit event
 * (never the password) are one transaction. The password is returned to show once.
 */
export async function resetPassword(params: {
  db: PrismaClient;
  acting: Acting;
  userId: string;
}): Promise<{ email: string; password: string }> {
  const actor = authorize(params.acting, "user:manage");
  const password = oneTimePassword();
  const hash = await hashPassword(password);
  const changed = params.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { id: params.userId },
      select: { id: true, email: true, source: true },
    });
    if (!user) throw new GantryError("not_found", `No person with id ${params.userId}`);
    const account = await tx.account.findFirst({
      where: { userId: user.id, providerId: "credential" },
      select: { id: true },
    });
    if (!account) {
      throw new GantryError(
        "conflict",
        `${user.email} signs in with single sign-on and has no Gantry password to reset`,
      );
    }
    await tx.account.update({ where: { id: account.id }, data: { password: hash } });
    await tx.user.update({ where: { id: user.id }, data: { mustChangePassword: true } });
    const ended = await endAccess(tx, user.id);
    await recordAuditEvent(tx, {
      actor,
      action: "user.password_reset",
      target: { type: "user", id: user.id },
      detail: { email: user.email, ...ended },
    });
    return { email: user.email, password };
  }, AUDIT_TRANSACTION);
  // After the commit, this process stops answering from what it knew of the person.
  return changed.finally(forgetSignedInPeople);
}
