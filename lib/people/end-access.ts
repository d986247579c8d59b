import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Ends everything a person holds, inside the transaction of the change that
 * calls for it (an admin's password reset, a disable): every session, and
 * every personal API token revoked for good, so re-enabling the person or
 * handing them a new password does not bring an old token back. CI tokens
 * are not the person's and stay. What was ended goes into the caller's
 * audit event.
 */
export async function endAccess(
  tx: Prisma.TransactionClient,
  userId: string,
): Promise<{ signedOut: number; revokedApiTokenIds: string[] }> {
  const sessions = await tx.session.deleteMany({ where: { userId } });
  const tokens = await tx.apiToken.findMany({
    where: { ownerId: userId, kind: "personal", revokedAt: null },
    select: { id: true },
    orderBy: { createdAt: "asc" },
  });
  const revokedApiTokenIds = tokens.map((token) => token.id);
  if (revokedApiTokenIds.length > 0) {
    await tx.apiToken.updateMany({
      where: { id: { in: revokedApiTokenIds } },
      data: { revokedAt: new Date() },
    });
  }
  return { signedOut: sessions.count, revokedApiTokenIds };
}
