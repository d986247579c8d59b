import Link from "next/link";
import type { AuditEventRow } from "@/lib/audit/list-audit-events";
import { OutcomeBadge } from "./outcome-badge";

/** The latest events of one application, compact, with a link to the full filtered timeline. */
export function AuditEventList({
  title,
  events,
  moreHref,
}: {
  title: string;
  events: readonly AuditEventRow[];
  moreHref: string;
}) {
  return (
    <section
      aria-labelledby="audit-events"
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <div className="flex items-baseline justify-between">
        <h2 id="audit-events" className="text-base font-semibold">
          {title}
        </h2>
        <Link href={moreHref} className="text-sm text-blue-800 hover:underline">
          Full timeline
        </Link>
      </div>
      {events.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">Nothing recorded yet.</p>
      ) : (
        <ul className="mt-2 divide-y divide-slate-100 text-sm">
          {events.map((event) => (
            <li key={event.sequence} className="flex flex-wrap items-baseline gap-x-3 py-1.5">
              <time dateTime={event.at} className="font-mono text-xs text-slate-500">
                {event.at.replace("T", " ").slice(0, 19)}
              </time>
              <span className="font-mono text-xs">{event.action}</span>
              <span>{event.actorName}</span>
              {event.environment ? (
                <span className="text-slate-600">{event.environment}</span>
              ) : null}
              {event.promotionId ? (
                <Link
                  href={`/promotions/${event.promotionId}`}
                  className="text-blue-800 hover:underline"
                >
                  promotion
                </Link>
              ) : null}
              {event.outcome !== "success" ? <OutcomeBadge outcome={event.outcome} /> : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
