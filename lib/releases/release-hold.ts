import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { inputErrorsInWords } from "@/lib/http/route";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lifting a hold, from the portal's button and any other way in. */
export const ReleaseHoldInput = z.strictObject({
  holdId: z.string().regex(UUID, "expected the hold's id"),
  reason: z
    .string({ error: "say why the version may be promoted again" })
    .trim()
    .min(1, "say why the version may be promoted again")
    .max(2_000, "at most 2000 characters"),
});
export type ReleaseHoldInput = z.infer<typeof ReleaseHoldInput>;

/** The body of POST /api/v1/holds/{id}/release: the hold is named by the path. */
export const ReleaseHoldBody = ReleaseHoldInput.pick({ reason: true });

/**
 * Lifts a hold, so rules may promote the version again: for approvers of the
 * environment it was placed in (and admins). Audited as
 * `release.hold_released` with the reason, in the same transaction; a hold
 * released already is a conflict, never released twice.
 */
export async function releaseHold(params: {
  db: PrismaClient;
  principal: Principal;
  holdId: string;
  reason: string;
}): Promise<{ id: string; version: string; application: string; environment: string }> {
  const { db, principal } = params;
  const parsed = ReleaseHoldInput.safeParse({ holdId: params.holdId, reason: params.reason });
  if (!parsed.success) {
    throw new GantryError("bad_request", inputErrorsInWords(parsed.error), {
      details: { field: String(parsed.error.issues[0]?.path[0] ?? "reason") },
    });
  }
  const input = parsed.data;
  const hold = await db.releaseHold.findUnique({
    where: { id: input.holdId },
    select: {
      id: true,
      version: true,
      application: { select: { slug: true, team: { select: { slug: true } } } },
      environment: { select: { name: true } },
    },
  });
  if (!hold) throw new GantryError("not_found", `No hold with id ${input.holdId}`);
  const team = hold.application.team.slug;
  const environment = hold.environment.name;
  assertCan(principal, "promotion:approve", { team, environment });
  const actor = actorOf(principal);
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ releasedAt: Date | null }[]>`
      SELECT "releasedAt" FROM "ReleaseHold" WHERE id = ${hold.id}::uuid FOR UPDATE`;
    if (rows[0]?.releasedAt) {
      throw new GantryError(
        "conflict",
        `the hold on ${hold.application.slug} ${hold.version} was released already`,
      );
    }
    await tx.releaseHold.update({
      where: { id: hold.id },
      data: {
        releasedAt: new Date(),
        releasedByName: actor.name,
        releasedByEmail: actor.email,
        releaseReason: input.reason,
      },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "release.hold_released",
      target: {
        type: "application",
        id: hold.id,
        application: hold.application.slug,
        team,
        environment,
      },
      detail: { version: hold.version, reason: input.reason, holdId: hold.id },
    });
    return { id: hold.id, version: hold.version, application: hold.application.slug, environment };
  });
}
