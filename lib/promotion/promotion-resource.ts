import { GantryError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { PermissionResource } from "@/lib/identity/permissions";
import { UUID } from "@/lib/promotion/load";

type Reader = Pick<Prisma.TransactionClient, "promotion" | "application">;

/**
 * What a permission check about a promotion needs: the owning team of its
 * application, its target environment and who asked for it.
 * not_found for a malformed or unknown id, like loadPromotionSummary.
 */
export async function promotionResource(
  db: Reader,
  promotionId: string,
): Promise<PermissionResource & { team: string; environment: string }> {
  const row = UUID.test(promotionId)
    ? await db.promotion.findUnique({
        where: { id: promotionId },
        select: {
          requestedById: true,
          requestedByEmail: true,
          application: { select: { team: { select: { slug: true } } } },
          toEnvironment: { select: { name: true } },
        },
      })
    : null;
  if (!row) throw new GantryError("not_found", `No promotion with id ${promotionId.slice(0, 64)}`);
  return {
    team: row.application.team.slug,
    environment: row.toEnvironment.name,
    authorId: row.requestedById,
    authorEmail: row.requestedByEmail,
  };
}

/**
 * The owning team of the application a promotion would be for, for the
 * promotion:request check; not_found (naming the field) for an unknown app.
 */
export async function applicationTeam(
  db: Pick<Prisma.TransactionClient, "$queryRaw">,
  application: string,
): Promise<string> {
  const rows = await db.$queryRaw<{ team: string }[]>`
    SELECT t.slug AS team FROM "Application" a JOIN "Team" t ON t.id = a."teamId"
    WHERE a.slug = ${application}`;
  const row = rows[0];
  if (!row) {
    throw new GantryError("not_found", `No application named "${application}"`, {
      details: { field: "application" },
    });
  }
  return row.team;
}
