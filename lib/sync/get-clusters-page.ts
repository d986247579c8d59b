import type { PrismaClient } from "@/lib/generated/prisma/client";
import { can } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { listClusterEnvironments } from "@/lib/sync/cluster-registration";
import {
  type ClusterSyncSummary,
  listClusterSyncSummaries,
} from "@/lib/sync-status/list-sync-status";

/** What /clusters shows. */
export interface ClustersPageView {
  now: Date;
  staleAfterSeconds: number;
  clusters: ClusterSyncSummary[];
  /** The person may register clusters and rotate or revoke their tokens. */
  manage: boolean;
  /** Where a new cluster may go; empty unless the person manages clusters. */
  environments: { name: string; displayName: string }[];
}

/** The view model of /clusters: every cluster's last report, and for admins the environments to register into. */
export async function getClustersPage(params: {
  db: PrismaClient;
  principal: Principal;
  staleAfterSeconds: number;
  now?: Date;
}): Promise<ClustersPageView> {
  const { db, staleAfterSeconds } = params;
  const now = params.now ?? new Date();
  const manage = can(params.principal, "cluster:manage");
  const [clusters, environments] = await Promise.all([
    listClusterSyncSummaries({ db, now, staleAfterSeconds }),
    manage ? listClusterEnvironments({ db }) : Promise.resolve([]),
  ]);
  return { now, staleAfterSeconds, clusters, manage, environments };
}
