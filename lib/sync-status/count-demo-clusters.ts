import { sharedRead } from "@/lib/db";
import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * How many active clusters last reported through the embedded demo feed:
 * pages that show status say so, so demo data is never taken for real.
 */
export function countDemoClusters(params: { db: PrismaClient }): Promise<number> {
  const { db } = params;
  return sharedRead(db, "demo-clusters", () =>
    db.cluster.count({ where: { archivedAt: null, agentMode: "demo" } }),
  );
}
