import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { can } from "@/lib/identity/permissions";
import { actorOf } from "@/lib/identity/principal";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";
import { type Acting, authorize } from "@/lib/people/update-user-grants";

/** A token id: anything else is not found without asking the database (which would refuse it). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Revokes a token: requests with it are refused from now on. A person may
 * revoke their own personal tokens; CI tokens need token:manage_ci, and
 * someone else's personal token needs user:manage (an admin). A token the
 * caller may not touch reads as not found. The change and a `token.revoked`
 * audit event are one transaction; revoking twice keeps the first time.
 */
export async function revokeApiToken(params: {
  db: PrismaClient;
  acting: Acting;
  id: string;
}): Promise<{ revokedAt: Date }> {
  const notFound = new GantryError("not_found", `No API token with id ${params.id}`);
  if (!UUID.test(params.id)) throw notFound;
  const token = await params.db.apiToken.findUnique({
    where: { id: params.id },
    select: { id: true, name: true, kind: true, ownerId: true },
  });
  if (!token) throw notFound;
  const acting = params.acting;
  const own = (acting: Acting): acting is Exclude<Acting, "system"> =>
    acting !== "system" && token.kind === "personal" && token.ownerId === acting.id;
  let actor: ReturnType<typeof authorize>;
  if (own(acting) && can(acting, "token:manage_own")) {
    actor = actorOf(acting);
  } else if (token.kind === "ci") {
    if (acting !== "system" && !can(acting, "token:manage_ci")) throw notFound;
    actor = authorize(acting, "token:manage_ci");
  } else {
    if (acting !== "system" && !can(acting, "user:manage")) throw notFound;
    actor = authorize(acting, "user:manage");
  }
  return params.db.$transaction(async (tx) => {
    const revokedAt = new Date();
    const changed = await tx.apiToken.updateMany({
      where: { id: token.id, revokedAt: null },
      data: { revokedAt },
    });
    if (changed.count === 0) {
      const row = await tx.apiToken.findUniqueOrThrow({
        where: { id: token.id },
        select: { revokedAt: true },
      });
      return { revokedAt: row.revokedAt ?? revokedAt };
    }
    await recordAuditEvent(tx, {
      actor,
      action: "token.revoked",
      target: { type: "token", id: token.id },
      detail: { tokenName: token.name, kind: token.kind },
    });
    return { revokedAt };
  }, AUDIT_TRANSACTION);
}
