import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";
import { findActiveCluster, recordClusterTokenEvent } from "./register-cluster-token";

/** Removes a cluster's agent token: its reports are refused (401) until a new one is issued. */
export async function revokeClusterToken(params: {
  db: PrismaClient;
  cluster: string;
  actor?: Actor;
}): Promise<{ revoked: boolean }> {
  const { id, hasToken } = await findActiveCluster(params.db, params.cluster);
  if (hasToken) {
    await params.db.$transaction(async (tx) => {
      await tx.cluster.update({
        where: { id },
        data: { tokenHash: null, tokenCreatedAt: null },
        select: { id: true },
      });
      await recordClusterTokenEvent(tx, params.cluster, "cluster.token_revoked", params.actor);
    });
  }
  return { revoked: hasToken };
}
