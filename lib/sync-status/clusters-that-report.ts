import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * The clusters of an environment whose reports a promotion or a release waits
 * for. A cluster an admin registered on /clusters and then revoked has no agent
 * token: it can never report, so waiting for it would hold every promotion in
 * its environment in syncing for good. Clusters listed in Git stay counted
 * without a token: their agent is still to come.
 */
export function clustersThatReport(environmentId: string): Prisma.ClusterWhereInput {
  return {
    environmentId,
    archivedAt: null,
    NOT: { registeredInPortal: true, tokenHash: null },
  };
}
