import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * How many active clusters last reported through the embedded demo feed:
 * pages that show status say so, so demo data is never taken for real.
 */
export async function countDemoClusters(params: { db: PrismaClient }): Promise<number> {
  return params.db.cluster.count({ where: { archivedAt: null, agentMode: "demo" } });
}
