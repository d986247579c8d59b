import { GantryError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Refuses to act on one promotion of a release train alone: its pull
 * request is the train's, shared with the other applications, so closing,
 * retrying, reviewing or merging it is done to the whole train.
 */
export async function assertNotInTrain(
  db: Pick<Prisma.TransactionClient, "promotion">,
  promotionId: string,
  verb: "close" | "retry" | "merge" | "review",
): Promise<void> {
  const row = await db.promotion.findUnique({
    where: { id: promotionId },
    select: { trainId: true },
  });
  if (row?.trainId) {
    throw new GantryError(
      "conflict",
      `this promotion travels in a release train and shares its pull request: ${verb} the train instead (/trains/${row.trainId})`,
      { details: { trainId: row.trainId } },
    );
  }
}
