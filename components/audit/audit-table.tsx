import Link from "next/link";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import type { AuditEventRow } from "@/lib/audit/list-audit-events";
import { OutcomeBadge } from "./outcome-badge";

function Target({ event }: { event: AuditEventRow }) {
  const where = [event.application, event.environment, event.cluster].filter(Boolean).join(" · ");
  if (event.promotionId) {
    return (
      <Link
        href={`/promotions/${event.promotionId}`}
        className="text-blue-800 hover:underline dark:text-blue-300"
      >
        {where || "promotion"}
      </Link>
    );
  }
  if (event.application) {
    return (
      <Link
        href={`/apps/${event.application}`}
        className="text-blue-800 hover:underline dark:text-blue-300"
      >
        {where}
      </Link>
    );
  }
  return <span>{where || `${event.targetType}${event.targetId ? ` ${event.targetId}` : ""}`}</span>;
}

const COLUMNS: DataColumn<AuditEventRow>[] = [
  {
    id: "time",
    header: "Time (UTC)",
    className: "whitespace-nowrap font-mono text-xs",
    cell: (event) => <time dateTime={event.at}>{event.at.replace("T", " ").replace("Z", "")}</time>,
  },
  {
    id: "actor",
    header: "Actor",
    cell: (event) => (
      <>
        {event.actorName}
        <span className="ml-1 text-xs text-slate-500">({event.actorKind})</span>
      </>
    ),
  },
  { id: "action", header: "Action", className: "font-mono text-xs", cell: (event) => event.action },
  { id: "target", header: "Target", cell: (event) => <Target event={event} /> },
  { id: "outcome", header: "Outcome", cell: (event) => <OutcomeBadge outcome={event.outcome} /> },
  {
    id: "request",
    header: "Request",
    className: "font-mono text-xs text-slate-600 dark:text-slate-400",
    cell: (event) => event.requestId ?? "—",
  },
  {
    id: "details",
    header: "Details",
    cell: (event) =>
      Object.keys(event.detail).length > 0 ? (
        <details>
          <summary className="cursor-pointer text-xs text-blue-800 dark:text-blue-300">
            #{event.sequence}
          </summary>
          <pre className="mt-1 max-w-md overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 text-xs dark:bg-slate-800">
            {JSON.stringify(event.detail, null, 2)}
          </pre>
        </details>
      ) : (
        <span className="text-xs text-slate-500">#{event.sequence}</span>
      ),
  },
];

/** Events as a table: time, actor, action, target, outcome, request id, and the details on demand. */
export function AuditTable({
  events,
  caption = "Audit events, newest first",
}: {
  events: readonly AuditEventRow[];
  caption?: string;
}) {
  return (
    <DataTable
      caption={caption}
      columns={COLUMNS}
      rows={events}
      rowKey={(event) => String(event.sequence)}
    />
  );
}
