import type { Metadata } from "next";
import { LiveRefresh } from "@/components/live/live-refresh";
import { ClusterTable } from "@/components/sync/cluster-table";
import { RegisterClusterForm } from "@/components/sync/register-cluster-form";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";
import { getClustersPage } from "@/lib/sync/get-clusters-page";
import {
  registerClusterAction,
  revokeClusterTokenAction,
  rotateClusterTokenAction,
} from "./actions";

export const metadata: Metadata = { title: "Clusters" };
export const dynamic = "force-dynamic";

export default async function ClustersPage() {
  const person = await requirePerson("/clusters");
  const { clusters, environments, manage, now, staleAfterSeconds } = await getClustersPage({
    db: getDb(),
    principal: person,
    staleAfterSeconds: getConfig().syncStaleAfterSeconds,
  });
  return (
    <>
      <LiveRefresh minIntervalMs={5_000} pollMs={15_000} />
      <PageHeader
        title="Clusters"
        description="Each cluster's agent reports what its deploy engine has applied. A cluster not heard from recently is stale: Gantry shows its objects as Unknown, never Synced."
      />
      {manage ? (
        <RegisterClusterForm environments={environments} action={registerClusterAction} />
      ) : null}
      {clusters.length === 0 ? (
        <EmptyState title="No clusters yet">
          Clusters come from <code>environments.yaml</code> in the GitOps repository, or an admin
          registers them here.
        </EmptyState>
      ) : (
        <>
          <ClusterTable
            clusters={clusters}
            now={now}
            staleAfterSeconds={staleAfterSeconds}
            {...(manage
              ? { manage: { rotate: rotateClusterTokenAction, revoke: revokeClusterTokenAction } }
              : {})}
          />
          <p className="mt-3 text-xs text-slate-600 dark:text-slate-400">
            {manage
              ? "Register a cluster above, or rotate its token here; the token is shown once. From a shell: "
              : "An admin registers clusters and issues their agent tokens. From a shell: "}
            <code>npm run gantry -- cluster token --cluster NAME</code>. Stale after{" "}
            {Math.round(staleAfterSeconds / 60)} minute(s) without a report.
          </p>
        </>
      )}
    </>
  );
}
