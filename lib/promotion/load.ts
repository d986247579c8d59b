import { GantryError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { type PromotionSummary, summarySelect, toSummary } from "@/lib/promotion/dto";

type Reader = Pick<Prisma.TransactionClient, "promotion">;

/** A promotion by id as a summary; not_found (never a database error) for a malformed or unknown id. */
export async function loadPromotionSummary(db: Reader, id: string): Promise<PromotionSummary> {
  const row = UUID.test(id)
    ? await db.promotion.findUnique({ where: { id }, select: summarySelect })
    : null;
  if (!row) throw new GantryError("not_found", `No promotion with id ${id.slice(0, 64)}`);
  return toSummary(row);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
