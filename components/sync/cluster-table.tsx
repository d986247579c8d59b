import { Badge } from "@/components/ui/badge";
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
              Errors
            </th>
            {manage ? (
              <th scope="col" className="px-3 py-2">
                Agent token
              </th>
            ) : null}
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
                {cluster.failedOperations > 0 ? (
                  <div className="mb-1 text-xs text-red-800">
                    <p>
                      <Badge tone="danger">sync failed</Badge> {cluster.failedOperations} object
                      {cluster.failedOperations === 1 ? "" : "s"}
                    </p>
                    <ul className="mt-0.5 space-y-0.5">
                      {cluster.failures.map((failure) => (
                        <li
                          key={`${failure.application}/${failure.object}`}
                          className="break-words"
                        >
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
                  <p className="text-xs break-words text-red-800">
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
              </td>
              {manage ? (
                <td className="px-3 py-2">
                  <p className="mb-1 text-xs text-slate-600">
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
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
