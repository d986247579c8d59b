import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ClusterSyncSummary } from "@/lib/sync/list-sync-status";
import { HEALTH_DISPLAY_ORDER, HealthBadge, StaleBadge } from "./status-badges";

/** Every cluster with its agent, last report, objects by health and last refused report. */
export function ClusterTable({
  clusters,
  now,
  staleAfterSeconds,
}: {
  clusters: readonly ClusterSyncSummary[];
  now: Date;
  staleAfterSeconds: number;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-sm">
        <caption className="sr-only">
          Clusters, their agents and the status they last reported. A cluster not heard from for{" "}
          {staleAfterSeconds} seconds is stale and its objects count as Unknown.
        </caption>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">
              Cluster
            </th>
            <th scope="col" className="px-3 py-2">
              Environment
            </th>
            <th scope="col" className="px-3 py-2">
              Agent
            </th>
            <th scope="col" className="px-3 py-2">
              Last report
            </th>
            <th scope="col" className="px-3 py-2">
              Objects by health
            </th>
            <th scope="col" className="px-3 py-2 text-right">
              Out of sync
            </th>
            <th scope="col" className="px-3 py-2">
              Last error
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {clusters.map((cluster) => (
            <tr key={cluster.name} className="align-top">
              <th scope="row" className="px-3 py-2 text-left font-medium">
                <span className="font-mono">{cluster.name}</span>
                {cluster.region || cluster.provider ? (
                  <p className="text-xs font-normal text-slate-500">
                    {[cluster.provider, cluster.region].filter(Boolean).join(" · ")}
                  </p>
                ) : null}
              </th>
              <td className="px-3 py-2">{cluster.environment.displayName}</td>
              <td className="px-3 py-2">
                {cluster.agentVersion ? (
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
                )}
              </td>
              <td className="px-3 py-2">
                {cluster.lastSeenAt ? (
                  <RelativeTime value={cluster.lastSeenAt} now={now} />
                ) : (
                  "never"
                )}
                {cluster.stale ? (
                  <span className="ml-2">
                    <StaleBadge />
                  </span>
                ) : null}
              </td>
              <td className="px-3 py-2">
                {cluster.objects === 0 ? (
                  <span className="text-slate-500">none</span>
                ) : (
                  <ul className="flex flex-wrap gap-1" aria-label={`Objects of ${cluster.name}`}>
                    {HEALTH_DISPLAY_ORDER.filter((health) => cluster.health[health] > 0).map(
                      (health) => (
                        <li key={health}>
                          <HealthBadge health={health} />{" "}
                          <span className="tabular-nums">{cluster.health[health]}</span>
                        </li>
                      ),
                    )}
                  </ul>
                )}
              </td>
              <td className="px-3 py-2 text-right tabular-nums">
                {cluster.stale ? "—" : cluster.outOfSync}
              </td>
              <td className="max-w-md px-3 py-2">
                {cluster.lastReportError ? (
                  <p className="text-xs break-words text-red-800">
                    {cluster.lastReportErrorAt ? (
                      <>
                        <RelativeTime value={cluster.lastReportErrorAt} now={now} />:{" "}
                      </>
                    ) : null}
                    {cluster.lastReportError}
                  </p>
                ) : (
                  <span className="text-slate-500">—</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
