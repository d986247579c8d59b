import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";
import { generateClusterToken, hashClusterToken } from "./cluster-token";
import {
  findActiveCluster,
  type IssuedClusterToken,
  recordClusterTokenEvent,
} from "./register-cluster-token";

/**
 * Replaces a cluster's agent token (or issues the first one): the old token
 * stops working at once, so the agent's Secret must be updated with the new one.
 */
export async function rotateClusterToken(params: {
  db: PrismaClient;
  cluster: string;
  actor?: Actor;
}): Promise<IssuedClusterToken> {
  const { id } = await findActiveCluster(params.db, params.cluster);
  const token = generateClusterToken();
  const createdAt = new Date();
  await params.db.$transaction(async (tx) => {
    await tx.cluster.update({
      where: { id },
      data: { tokenHash: hashClusterToken(token), tokenCreatedAt: createdAt },
      select: { id: true },
    });
    await recordClusterTokenEvent(tx, params.cluster, "cluster.token_rotated", params.actor);
  });
  return { cluster: params.cluster, token, createdAt };
}
