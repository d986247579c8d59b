import { Badge } from "@/components/ui/badge";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ClusterSyncSummary } from "@/lib/sync-status/list-sync-status";
import { ClusterTokenActions } from "./cluster-token-actions";
import type { ClusterTokenAction } from "./cluster-token-state";
import { HEALTH_DISPLAY_ORDER, HealthBadge, StaleBadge } from "./status-badges";

/**
 * Every cluster with its agent, last report, objects by health, failed sync
 * operations and last refused report; for admins (`manage`), buttons to
 * rotate or revoke each cluster's agent token.
 */
export function ClusterTable({
  clusters,
  now,
  staleAfterSeconds,
  manage,
}: {
  clusters: readonly ClusterSyncSummary[];
  now: Date;
  staleAfterSeconds: number;
  manage?: { rotate: ClusterTokenAction; revoke: ClusterTokenAction };
}) {
  const columns: DataColumn<ClusterSyncSummary>[] = [
    {
      id: "cluster",
      header: "Cluster",
      rowHeader: true,
      className: "font-medium",
      sortValue: (cluster) => cluster.name,
      cell: (cluster) => (
        <>
          <span className="font-mono">{cluster.name}</span>
          {cluster.region || cluster.provider ? (
            <p className="text-xs font-normal text-slate-500">
              {[cluster.provider, cluster.region].filter(Boolean).join(" · ")}
            </p>
          ) : null}
        </>
      ),
    },
    {
      id: "environment",
      header: "Environment",
      sortValue: (cluster) => cluster.environment.displayName,
      cell: (cluster) => cluster.environment.displayName,
    },
    {
      id: "agent",
      header: "Agent",
      cell: (cluster) =>
        cluster.agentVersion ? (
          <>
            <span className="font-mono text-xs">{cluster.agentVersion}</span>{" "}
            {cluster.agentMode ? (
              <Badge tone={cluster.agentMode === "demo" ? "info" : "neutral"}>
                {cluster.agentMode}
              </Badge>
            ) : null}
          </>
        ) : (
          <span className="text-slate-500">
            {cluster.hasToken ? "token issued, no report yet" : "no agent token"}
          </span>
        ),
    },
    {
      id: "last-report",
      header: "Last report",
      sortValue: (cluster) => cluster.lastSeenAt?.getTime() ?? null,
      cell: (cluster) => (
        <>
          {cluster.lastSeenAt ? <RelativeTime value={cluster.lastSeenAt} now={now} /> : "never"}
          {cluster.stale ? (
            <span className="ml-2">
              <StaleBadge />
            </span>
          ) : null}
        </>
      ),
    },
    {
      id: "health",
      header: "Objects by health",
      cell: (cluster) => <ObjectsByHealth cluster={cluster} />,
    },
    {
      id: "out-of-sync",
      header: "Out of sync",
      numeric: true,
      sortValue: (cluster) => (cluster.stale ? null : cluster.outOfSync),
      cell: (cluster) => (cluster.stale ? "—" : cluster.outOfSync),
    },
    {
      id: "errors",
      header: "Errors",
      className: "max-w-md",
      sortValue: (cluster) => cluster.failedOperations || null,
      cell: (cluster) => <ClusterErrors cluster={cluster} now={now} />,
    },
  ];
  if (manage) {
    columns.push({
      id: "token",
      header: "Agent token",
      cell: (cluster) => (
        <>
          <p className="mb-1 text-xs text-slate-600 dark:text-slate-400">
            {cluster.tokenCreatedAt ? (
              <>
                issued <RelativeTime value={cluster.tokenCreatedAt} now={now} />
              </>
            ) : (
              "none"
            )}
          </p>
          <ClusterTokenActions
            cluster={cluster.name}
            hasToken={cluster.hasToken}
            rotate={manage.rotate}
            revoke={manage.revoke}
          />
        </>
      ),
    });
  }
  return (
    <DataTable
      caption={`Clusters, their agents and the status they last reported. A cluster not heard from for ${staleAfterSeconds} seconds is stale and its objects count as Unknown.`}
      columns={columns}
      rows={clusters}
      rowKey={(cluster) => cluster.name}
    />
  );
}

function ObjectsByHealth({ cluster }: { cluster: ClusterSyncSummary }) {
  if (cluster.objects === 0) return <span className="text-slate-500">none</span>;
  return (
    <ul className="flex flex-wrap gap-1" aria-label={`Objects of ${cluster.name}`}>
      {HEALTH_DISPLAY_ORDER.filter((health) => cluster.health[health] > 0).map((health) => (
        <li key={health}>
          <HealthBadge health={health} />{" "}
          <span className="tabular-nums">{cluster.health[health]}</span>
        </li>
      ))}
    </ul>
  );
}

/** Failed sync operations (the first few, with their application) and the last refused report. */
function ClusterErrors({ cluster, now }: { cluster: ClusterSyncSummary; now: Date }) {
  return (
    <>
      {cluster.failedOperations > 0 ? (
        <div className="mb-1 text-xs text-red-800 dark:text-red-300">
          <p>
            <Badge tone="danger">sync failed</Badge> {cluster.failedOperations} object
            {cluster.failedOperations === 1 ? "" : "s"}
          </p>
          <ul className="mt-0.5 space-y-0.5">
            {cluster.failures.map((failure) => (
              <li key={`${failure.application}/${failure.object}`} className="break-words">
                <span className="font-medium">{failure.application}</span>
                {failure.revision ? (
                  <span className="font-mono"> @{failure.revision.slice(0, 12)}</span>
                ) : null}
                : {failure.message ?? failure.phase}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {cluster.lastReportError ? (
        <p className="text-xs break-words text-red-800 dark:text-red-300">
          {cluster.lastReportErrorAt ? (
            <>
              <RelativeTime value={cluster.lastReportErrorAt} now={now} />:{" "}
            </>
          ) : null}
          {cluster.lastReportError}
        </p>
      ) : cluster.failedOperations > 0 ? null : (
        <span className="text-slate-500">—</span>
      )}
    </>
  );
}
