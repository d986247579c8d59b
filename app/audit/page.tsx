import type { Metadata } from "next";
import Link from "next/link";
import { AuditFilters, type AuditFilterValues } from "@/components/audit/audit-filters";
import { AuditPager } from "@/components/audit/audit-pager";
import { AuditTable } from "@/components/audit/audit-table";
import { ExportLinks } from "@/components/audit/export-links";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { auditFilterParams, parseAuditQuery } from "@/lib/audit/audit-filter";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { getDb } from "@/lib/db";
import { can } from "@/lib/identity/permissions";
import { requirePerson } from "@/lib/people/current-principal";

export const metadata: Metadata = { title: "Audit" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const FILTER_FIELDS = [
  "app",
  "team",
  "env",
  "actor",
  "action",
  "outcome",
  "from",
  "to",
  "q",
] as const;

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const person = await requirePerson("/audit");
  const params = await searchParams;
  const values: AuditFilterValues = {};
  for (const field of FILTER_FIELDS) {
    const value = params[field];
    const first = Array.isArray(value) ? value[0] : value;
    if (first) values[field] = first;
  }
  const query = parseAuditQuery(params);
  const header = (
    <PageHeader
      title="Audit"
      description="Every change, approval, sign-in and refusal, newest first, in one tamper-evident chain."
      actions={
        can(person, "audit:verify") ? (
          <Link href="/audit/verify" className="text-sm text-blue-800 hover:underline">
            Verify the chain
          </Link>
        ) : null
      }
    />
  );
  if (!query.ok) {
    return (
      <>
        {header}
        <AuditFilters values={values} />
        <Notice tone="danger" title="This filter cannot be applied">
          <ul className="list-disc pl-5">
            {query.errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
          <p className="mt-2">
            Correct the field above, or{" "}
            <Link href="/audit" className="underline">
              start again without filters
            </Link>
            .
          </p>
        </Notice>
      </>
    );
  }
  const page = await listAuditEvents({
    db: getDb(),
    principal: person,
    filter: query.filter,
    page: query.page,
  });
  const filterQuery = auditFilterParams(query.filter).toString();
  const href = (cursor: Record<string, string>) => {
    const search = new URLSearchParams(filterQuery);
    for (const [key, value] of Object.entries(cursor)) search.set(key, value);
    if (query.page.limit) search.set("limit", String(query.page.limit));
    const text = search.toString();
    return `/audit${text ? `?${text}` : ""}`;
  };
  const filtered = filterQuery !== "";
  return (
    <>
      {header}
      <AuditFilters values={values} />
      {can(person, "audit:export") ? (
        <div className="mb-4 flex flex-wrap items-center gap-2">
          <span className="text-sm text-slate-600">
            {filtered ? "Export these events:" : "Export every event:"}
          </span>
          <ExportLinks query={filterQuery} />
        </div>
      ) : null}
      {page.events.length === 0 ? (
        <Notice title={filtered ? "No events match this filter" : "Nothing recorded yet"}>
          {filtered ? "Widen the filter, or reset it." : "Events appear here as people use Gantry."}
        </Notice>
      ) : (
        <AuditTable events={page.events} />
      )}
      <AuditPager
        newerHref={page.newerCursor ? href({ after: page.newerCursor }) : null}
        olderHref={page.olderCursor ? href({ before: page.olderCursor }) : null}
        newestHref={query.page.before || query.page.after ? href({}) : null}
      />
    </>
  );
}
