import { HealthBadge, StaleBadge, SyncBadge } from "@/components/sync/status-badges";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ApplicationSyncRow } from "@/lib/sync-status/list-sync-status";
import type { SyncStatusChangeView } from "@/lib/sync-status/list-sync-status-changes";

const COLUMNS: DataColumn<ApplicationSyncRow>[] = [
  {
    id: "cluster",
    header: "Cluster",
    rowHeader: true,
    sortValue: (row) => row.cluster.name,
    cell: (row) => (
      <>
        <span className="font-medium">{row.cluster.name}</span>{" "}
        <span className="text-xs text-slate-500">({row.environment.name})</span>
        {row.cluster.agentMode === "demo" ? (
          <>
            {" "}
            <Badge tone="warning">demo</Badge>
          </>
        ) : null}
        {row.failure ? (
          <p className="mt-1 max-w-md text-xs text-red-800 dark:text-red-300">
            <Badge tone="danger">sync {row.failure.phase.toLowerCase()}</Badge>{" "}
            {row.failure.revision ? (
              <span className="font-mono">{row.failure.revision.slice(0, 12)}: </span>
            ) : null}
            {row.failure.message ?? "no message from the controller"}
          </p>
        ) : row.message ? (
          <p className="mt-0.5 max-w-md text-xs text-slate-600 dark:text-slate-400">
            {row.message}
          </p>
        ) : null}
      </>
    ),
  },
  {
    id: "desired",
    header: "Desired",
    className: "font-mono text-xs",
    cell: (row) => (
      <>
        {row.desiredVersion ?? "—"}
        <span className="block text-slate-500">{row.desiredCommit.slice(0, 12)}</span>
      </>
    ),
  },
  {
    id: "synced",
    header: "Synced revision",
    className: "font-mono text-xs",
    cell: (row) => row.syncedRevision?.slice(0, 12) ?? "—",
  },
  {
    id: "sync",
    header: "Sync",
    sortValue: (row) => row.syncState,
    cell: (row) => <SyncBadge state={row.syncState} />,
  },
  {
    id: "health",
    header: "Health",
    sortValue: (row) => row.health,
    cell: (row) => <HealthBadge health={row.health} />,
  },
  {
    id: "last-report",
    header: "Last report",
    className: "text-xs",
    sortValue: (row) => row.lastSeenAt?.getTime() ?? null,
    cell: (row) => (
      <>
        {row.lastSeenAt ? <RelativeTime value={row.lastSeenAt} /> : "never"}{" "}
        {row.stale ? <StaleBadge /> : null}
      </>
    ),
  },
];

/**
 * What each cluster reports for one application, beside what Git says it
 * should run. A cluster not heard from within the staleness bound shows
 * Unknown with a "stale" badge, never its last good state.
 */
export function ApplicationSync({
  rows,
  changes,
}: {
  rows: ApplicationSyncRow[];
  changes: SyncStatusChangeView[];
}) {
  return (
    <Card id="clusters" title="In the clusters">
      {rows.some((row) => row.cluster.agentMode === "demo") ? (
        <p className="mb-3 text-xs text-amber-900 dark:text-amber-200">
          Clusters marked demo are played by Gantry's embedded demo feed, not by real agents.
        </p>
      ) : null}
      {rows.length === 0 ? (
        <EmptyState title="No cluster reports on this application">
          No cluster of this application's environments is registered.
        </EmptyState>
      ) : (
        <DataTable
          caption="Sync and health per environment and cluster"
          columns={COLUMNS}
          rows={rows}
          rowKey={(row) => `${row.environment.name}/${row.cluster.name}`}
        />
      )}
      {changes.length > 0 ? (
        <details className="mt-4">
          <summary className="cursor-pointer text-sm font-medium text-slate-700 dark:text-slate-300">
            Status history ({changes.length} most recent changes)
          </summary>
          <ol className="mt-2 space-y-1 text-xs">
            {changes.map((change) => (
              <li
                key={`${change.cluster}/${change.object.kind}/${change.object.namespace}/${change.object.name}/${change.receivedAt.toISOString()}`}
                className="flex flex-wrap items-center gap-2"
              >
                <RelativeTime value={change.observedAt} />
                <span className="font-medium">{change.cluster}</span>
                <SyncBadge state={change.syncState} />
                <HealthBadge health={change.health} />
                <span className="font-mono text-slate-600">
                  {change.syncedRevision?.slice(0, 12) ?? ""}
                </span>
                {change.message ? <span className="text-slate-600">{change.message}</span> : null}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </Card>
  );
}
