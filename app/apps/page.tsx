import type { Metadata } from "next";
import { CatalogueFilters } from "@/components/catalogue/catalogue-filters";
import { Pagination } from "@/components/catalogue/pagination";
import { VersionMatrix } from "@/components/catalogue/version-matrix";
import { LiveRefresh } from "@/components/live/live-refresh";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { InvalidLinkPage } from "@/components/ui/error-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import type { CatalogueQuery, SearchParamsRecord } from "@/lib/catalogue/catalogue-query";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";
import { getCataloguePage } from "@/lib/sync/get-catalogue-page";

export const metadata: Metadata = { title: "Applications" };
export const dynamic = "force-dynamic";

export default async function ApplicationsPage({
  searchParams,
}: {
  searchParams: Promise<SearchParamsRecord>;
}) {
  await requirePerson();
  const view = await getCataloguePage({ db: getDb(), searchParams: await searchParams });
  if (!view.ok) {
    return <InvalidLinkPage heading="Applications" problems={view.errors} resetHref="/apps" />;
  }
  const { query, page } = view;
  return (
    <>
      <PageHeader
        title={query.archived ? "Archived applications" : "Applications"}
        description="What each environment should run, as the GitOps repository says."
        actions={
          <>
            {query.archived ? null : (
              <Button asChild variant="secondary">
                <a href={trainHref(query)}>Promote as a train</a>
              </Button>
            )}
            <Button asChild variant="secondary">
              <a href={query.archived ? "/apps" : "/apps?archived=1"}>
                {query.archived ? "Show active" : "Show archived"}
              </a>
            </Button>
          </>
        }
      />
      <LiveRefresh minIntervalMs={5_000} pollMs={15_000} />
      <CatalogueFilters query={query} choices={view.facets} />
      {view.demoClusters > 0 ? (
        <Notice tone="warning" title="Demo clusters" className="mb-3 px-3 py-2 text-xs">
          Sync and health here come from {view.demoClusters} demo cluster
          {view.demoClusters === 1 ? "" : "s"} played by Gantry's embedded demo feed, not from real
          agents.
        </Notice>
      ) : null}
      {page.total === 0 ? (
        view.filtered ? (
          <EmptyState
            title="No application matches these filters"
            action={
              <a href={query.archived ? "/apps?archived=1" : "/apps"} className="underline">
                Clear the filters
              </a>
            }
          />
        ) : (
          <EmptyState title="The catalogue is empty">
            Import the GitOps repository with <code>npm run gantry -- import</code>, or check the{" "}
            <a href="/imports" className="underline">
              imports
            </a>{" "}
            for problems.
          </EmptyState>
        )
      ) : (
        <>
          <VersionMatrix
            rows={page.rows}
            environments={page.environments}
            query={query}
            frozen={view.frozen}
          />
          <Pagination
            query={query}
            page={page.page}
            pageCount={page.pageCount}
            total={page.total}
            pageSize={page.pageSize}
            estimate={page.totalIsEstimate}
            startCursor={page.startCursor}
            endCursor={page.endCursor}
          />
        </>
      )}
    </>
  );
}

/**
 * The train's plan for what the catalogue shows: its team, label and search; with "differs"
 * on, everything that differs between staging and prod (the person can change both there).
 */
function trainHref(query: CatalogueQuery): string {
  const params = new URLSearchParams({ env: "prod" });
  if (query.team) params.set("team", query.team);
  if (query.label) params.set("label", query.label);
  if (query.q) params.set("q", query.q);
  if (query.differs || (!query.team && !query.label && !query.q))
    params.set("differsFrom", "staging");
  return `/trains/new?${params}`;
}
