import Link from "next/link";
import type { AuditEventRow } from "@/lib/audit/list-audit-events";
import { OutcomeBadge } from "./outcome-badge";

function Target({ event }: { event: AuditEventRow }) {
  const where = [event.application, event.environment, event.cluster].filter(Boolean).join(" · ");
  if (event.promotionId) {
    return (
      <Link href={`/promotions/${event.promotionId}`} className="text-blue-800 hover:underline">
        {where || "promotion"}
      </Link>
    );
  }
  if (event.application) {
    return (
      <Link href={`/apps/${event.application}`} className="text-blue-800 hover:underline">
        {where}
      </Link>
    );
  }
  return <span>{where || `${event.targetType}${event.targetId ? ` ${event.targetId}` : ""}`}</span>;
}

/** Events as a table: time, actor, action, target, outcome, request id, and the details on demand. */
export function AuditTable({
  events,
  caption = "Audit events, newest first",
}: {
  events: readonly AuditEventRow[];
  caption?: string;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2">
              Time (UTC)
            </th>
            <th scope="col" className="px-3 py-2">
              Actor
            </th>
            <th scope="col" className="px-3 py-2">
              Action
            </th>
            <th scope="col" className="px-3 py-2">
              Target
            </th>
            <th scope="col" className="px-3 py-2">
              Outcome
            </th>
            <th scope="col" className="px-3 py-2">
              Request
            </th>
            <th scope="col" className="px-3 py-2">
              Details
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {events.map((event) => (
            <tr key={event.sequence}>
              <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">
                <time dateTime={event.at}>{event.at.replace("T", " ").replace("Z", "")}</time>
              </td>
              <td className="px-3 py-2">
                {event.actorName}
                <span className="ml-1 text-xs text-slate-500">({event.actorKind})</span>
              </td>
              <td className="px-3 py-2 font-mono text-xs">{event.action}</td>
              <td className="px-3 py-2">
                <Target event={event} />
              </td>
              <td className="px-3 py-2">
                <OutcomeBadge outcome={event.outcome} />
              </td>
              <td className="px-3 py-2 font-mono text-xs text-slate-600">
                {event.requestId ?? "—"}
              </td>
              <td className="px-3 py-2">
                {Object.keys(event.detail).length > 0 ? (
                  <details>
                    <summary className="cursor-pointer text-xs text-blue-800">
                      #{event.sequence}
                    </summary>
                    <pre className="mt-1 max-w-md overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs">
                      {JSON.stringify(event.detail, null, 2)}
                    </pre>
                  </details>
                ) : (
                  <span className="text-xs text-slate-500">#{event.sequence}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
