import { HealthBadge, StaleBadge, SyncBadge } from "@/components/sync/status-badges";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ApplicationSyncRow } from "@/lib/sync-status/list-sync-status";
import type { SyncStatusChangeView } from "@/lib/sync-status/list-sync-status-changes";

const card = "rounded-lg border border-slate-200 bg-white p-4";
const heading = "mb-3 text-sm font-semibold uppercase tracking-wide text-slate-600";

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
    <section aria-labelledby="clusters-heading" className={card}>
      <h2 id="clusters-heading" className={heading}>
        In the clusters
      </h2>
      {rows.some((row) => row.cluster.agentMode === "demo") ? (
        <p className="mb-3 text-xs text-amber-900">
          Clusters marked demo are played by Gantry's embedded demo feed, not by real agents.
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="text-sm text-slate-600">
          No cluster of this application's environments is registered.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <caption className="sr-only">Sync and health per environment and cluster</caption>
            <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="py-1 pr-4">
                  Cluster
                </th>
                <th scope="col" className="py-1 pr-4">
                  Desired
                </th>
                <th scope="col" className="py-1 pr-4">
                  Synced revision
                </th>
                <th scope="col" className="py-1 pr-4">
                  Sync
                </th>
                <th scope="col" className="py-1 pr-4">
                  Health
                </th>
                <th scope="col" className="py-1">
                  Last report
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((row) => (
                <tr key={`${row.environment.name}/${row.cluster.name}`}>
                  <th scope="row" className="py-2 pr-4 text-left font-normal">
                    <span className="font-medium">{row.cluster.name}</span>{" "}
                    <span className="text-xs text-slate-500">({row.environment.name})</span>
                    {row.cluster.agentMode === "demo" ? (
                      <>
                        {" "}
                        <Badge tone="warning">demo</Badge>
                      </>
                    ) : null}
                    {row.failure ? (
                      <p className="mt-1 max-w-md text-xs text-red-800">
                        <Badge tone="danger">sync {row.failure.phase.toLowerCase()}</Badge>{" "}
                        {row.failure.revision ? (
                          <span className="font-mono">{row.failure.revision.slice(0, 12)}: </span>
                        ) : null}
                        {row.failure.message ?? "no message from the controller"}
                      </p>
                    ) : row.message ? (
                      <p className="mt-0.5 max-w-md text-xs text-slate-600">{row.message}</p>
                    ) : null}
                  </th>
                  <td className="py-2 pr-4 font-mono text-xs">
                    {row.desiredVersion ?? "—"}
                    <span className="block text-slate-500">{row.desiredCommit.slice(0, 12)}</span>
                  </td>
                  <td className="py-2 pr-4 font-mono text-xs">
                    {row.syncedRevision?.slice(0, 12) ?? "—"}
                  </td>
                  <td className="py-2 pr-4">
                    <SyncBadge state={row.syncState} />
                  </td>
                  <td className="py-2 pr-4">
                    <HealthBadge health={row.health} />
                  </td>
                  <td className="py-2 text-xs">
                    {row.lastSeenAt ? <RelativeTime value={row.lastSeenAt} /> : "never"}{" "}
                    {row.stale ? <StaleBadge /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {changes.length > 0 ? (
        <details className="mt-4">
          <summary className="cursor-pointer text-sm font-medium text-slate-700">
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
    </section>
  );
}
