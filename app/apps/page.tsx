import type { Metadata } from "next";
import { CatalogueFilters } from "@/components/catalogue/catalogue-filters";
import { Pagination } from "@/components/catalogue/pagination";
import { VersionMatrix } from "@/components/catalogue/version-matrix";
import { LiveRefresh } from "@/components/live/live-refresh";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { parseCatalogueQuery, type SearchParamsRecord } from "@/lib/catalogue/catalogue-query";
import { listApplications, listCatalogueFacets } from "@/lib/catalogue/list-applications";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";
import { listEnvironmentPolicies } from "@/lib/policy/list-environment-policies";
import { countDemoClusters } from "@/lib/sync-status/count-demo-clusters";

export const metadata: Metadata = { title: "Applications" };
export const dynamic = "force-dynamic";

export default async function ApplicationsPage({
  searchParams,
}: {
  searchParams: Promise<SearchParamsRecord>;
}) {
  await requirePerson();
  const parsed = parseCatalogueQuery(await searchParams);
  if (!parsed.ok) {
    return (
      <>
        <PageHeader title="Applications" />
        <Notice tone="danger" title="This link has a filter Gantry does not understand">
          <ul className="list-disc pl-5">
            {parsed.errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
          <p className="mt-2">
            <a href="/apps" className="font-medium underline">
              Show all applications
            </a>
          </p>
        </Notice>
      </>
    );
  }
  const { query } = parsed;
  const db = getDb();
  const [page, facets, demoClusters, policies] = await Promise.all([
    listApplications({ db, query }),
    listCatalogueFacets({ db }),
    countDemoClusters({ db }),
    listEnvironmentPolicies({ db }),
  ]);
  const filtered = Boolean(query.q || query.team || query.tier || query.label || query.differs);
  return (
    <>
      <PageHeader
        title={query.archived ? "Archived applications" : "Applications"}
        description="What each environment should run, as the GitOps repository says."
        actions={
          <a
            href={query.archived ? "/apps" : "/apps?archived=1"}
            className="rounded-md px-3 py-1.5 text-sm text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100"
          >
            {query.archived ? "Show active" : "Show archived"}
          </a>
        }
      />
      <LiveRefresh minIntervalMs={5_000} pollMs={15_000} />
      <CatalogueFilters query={query} choices={facets} />
      {demoClusters > 0 ? (
        <p className="mb-3 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs text-amber-900">
          Demo: sync and health here come from {demoClusters} demo cluster
          {demoClusters === 1 ? "" : "s"} played by Gantry's embedded demo feed, not from real
          agents.
        </p>
      ) : null}
      {page.total === 0 ? (
        <Notice
          title={filtered ? "No application matches these filters" : "The catalogue is empty"}
        >
          {filtered ? (
            <a href={query.archived ? "/apps?archived=1" : "/apps"} className="underline">
              Clear the filters
            </a>
          ) : (
            <>
              Import the GitOps repository with <code>npm run gantry -- import</code>, or check the{" "}
              <a href="/imports" className="underline">
                imports
              </a>{" "}
              for problems.
            </>
          )}
        </Notice>
      ) : (
        <>
          <VersionMatrix
            rows={page.rows}
            environments={page.environments}
            query={query}
            frozen={Object.fromEntries(
              policies.flatMap((e) => (e.policy.frozen ? [[e.name, e.policy.frozen.message]] : [])),
            )}
          />
          <Pagination
            query={query}
            page={page.page}
            pageCount={page.pageCount}
            total={page.total}
            pageSize={page.pageSize}
          />
        </>
      )}
    </>
  );
}
