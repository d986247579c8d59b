import type { Metadata } from "next";
import { ClusterTable } from "@/components/sync/cluster-table";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { requirePerson } from "@/lib/auth/current-principal";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { listClusterSyncSummaries } from "@/lib/sync/list-sync-status";

export const metadata: Metadata = { title: "Clusters" };
export const dynamic = "force-dynamic";

export default async function ClustersPage() {
  await requirePerson();
  const now = new Date();
  const staleAfterSeconds = getConfig().syncStaleAfterSeconds;
  const clusters = await listClusterSyncSummaries({ db: getDb(), now, staleAfterSeconds });
  return (
    <>
      <PageHeader
        title="Clusters"
        description="Each cluster's agent reports what its deploy engine has applied. A cluster not heard from recently is stale: Gantry shows its objects as Unknown, never Synced."
      />
      {clusters.length === 0 ? (
        <Notice title="No clusters yet">
          Clusters come from <code>environments.yaml</code> in the GitOps repository; they appear
          here after the next import.
        </Notice>
      ) : (
        <>
          <ClusterTable clusters={clusters} now={now} staleAfterSeconds={staleAfterSeconds} />
          <p className="mt-3 text-xs text-slate-600">
            Connect an agent: <code>npm run gantry -- cluster token --cluster NAME</code> prints the
            cluster's token once; stale after {Math.round(staleAfterSeconds / 60)} minute(s) without
            a report.
          </p>
        </>
      )}
    </>
  );
}
