import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";

/**
 * Replay protection: each X-GitHub-Delivery id is handled once. The row is
 * written before the event is handled, so two concurrent copies of one
 * delivery cannot both pass; if handling fails the row is removed again,
 * so GitHub's redelivery of it is not ignored.
 */
export async function recordDelivery(params: {
  db: Db;
  id: string;
  event: string;
}): Promise<boolean> {
  try {
    await params.db.webhookDelivery.create({ data: { id: params.id, event: params.event } });
    return true;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")
      return false;
    throw error;
  }
}

export async function forgetDelivery(params: { db: Db; id: string }): Promise<void> {
  await params.db.webhookDelivery.deleteMany({ where: { id: params.id } });
}
