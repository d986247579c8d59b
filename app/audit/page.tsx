import type { Metadata } from "next";
import Link from "next/link";
import { AuditFilters } from "@/components/audit/audit-filters";
import { AuditPager } from "@/components/audit/audit-pager";
import { AuditTable } from "@/components/audit/audit-table";
import { ExportLinks } from "@/components/audit/export-links";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { PageHeader } from "@/components/ui/page-header";
import { getAuditPage } from "@/lib/audit/get-audit-page";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";

export const metadata: Metadata = { title: "Audit" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const person = await requirePerson("/audit");
  const view = await getAuditPage({
    db: getDb(),
    principal: person,
    searchParams: await searchParams,
  });
  const header = (
    <>
      <PageHeader
        title="Audit"
        description="Every change, approval, sign-in and refusal, newest first, in one tamper-evident chain."
        actions={
          view.mayVerify ? (
            <Button asChild variant="secondary">
              <Link href="/audit/verify">Verify the chain</Link>
            </Button>
          ) : null
        }
      />
      <AuditFilters values={view.values} />
    </>
  );
  if (!view.ok) {
    return (
      <>
        {header}
        <ErrorState
          title="This filter cannot be applied"
          problems={view.errors}
          action={
            <>
              Correct the field above, or <Link href="/audit">start again without filters</Link>.
            </>
          }
        />
      </>
    );
  }
  const filtered = view.filterQuery !== "";
  return (
    <>
      {header}
      {view.mayExport ? (
        <div className="mb-4 flex flex-wrap items-center gap-2">
          <span className="text-sm text-slate-600 dark:text-slate-400">
            {filtered ? "Export these events:" : "Export every event:"}
          </span>
          <ExportLinks query={view.filterQuery} />
        </div>
      ) : null}
      {view.events.length === 0 ? (
        <EmptyState title={filtered ? "No events match this filter" : "Nothing recorded yet"}>
          {filtered ? "Widen the filter, or reset it." : "Events appear here as people use Gantry."}
        </EmptyState>
      ) : (
        <AuditTable events={view.events} />
      )}
      <AuditPager
        newerHref={view.newerHref}
        olderHref={view.olderHref}
        newestHref={view.newestHref}
      />
    </>
  );
}
