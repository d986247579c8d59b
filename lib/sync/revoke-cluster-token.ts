import type { PrismaClient } from "@/lib/generated/prisma/client";
import { findActiveCluster } from "./register-cluster-token";

/** Removes a cluster's agent token: its reports are refused (401) until a new one is issued. */
export async function revokeClusterToken(params: {
  db: PrismaClient;
  cluster: string;
}): Promise<{ revoked: boolean }> {
  const { id, hasToken } = await findActiveCluster(params.db, params.cluster);
  if (hasToken) {
    await params.db.cluster.update({
      where: { id },
      data: { tokenHash: null, tokenCreatedAt: null },
      select: { id: true },
    });
  }
  return { revoked: hasToken };
}
