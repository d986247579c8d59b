import type { Metadata } from "next";
import Link from "next/link";
import { ProblemList } from "@/components/catalogue/problem-list";
import { DiscoveryRules, ImportCellsTable } from "@/components/imports/import-report";
import { ImportRunTable } from "@/components/imports/import-run-table";
import { EmptyState } from "@/components/ui/empty-state";
import { InvalidLinkPage } from "@/components/ui/error-state";
import { Field, Select } from "@/components/ui/field";
import { FilterForm, TextFilter } from "@/components/ui/filter-form";
import { Notice } from "@/components/ui/notice";
import { PageHeader, PageSection } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { getImportReport, importReportHref } from "@/lib/catalogue/get-import-report";
import { listImports } from "@/lib/catalogue/list-imports";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";

export const metadata: Metadata = { title: "Imports" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ImportsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePerson();
  const db = getDb();
  const [view, { runs }] = await Promise.all([
    getImportReport({ db, searchParams: await searchParams }),
    listImports({ db }),
  ]);
  if (!view.ok) {
    return <InvalidLinkPage heading="Imports" problems={view.errors} resetHref="/imports" />;
  }
  const { query, report } = view;
  const { cells, skipped } = report;
  const more = skipped.total - skipped.rows.length;
  return (
    <>
      <PageHeader
        title="Imports"
        description="Each run reads the GitOps repository at a commit and brings the catalogue in line with it."
      />
      <PageSection id="problems" title="Skipped files">
        {skipped.total === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {report.import
              ? "The last successful import read every file."
              : "Nothing is imported yet."}
          </p>
        ) : (
          <Notice
            tone="warning"
            title={`${skipped.total.toLocaleString("en")} file(s) could not be read and were skipped; every other application imported`}
          >
            <ProblemList
              problems={skipped.rows.map((row) => ({ ...row, message: row.reason }))}
              className="mt-2 space-y-1"
              extra={(problem) =>
                problem.app ? (
                  <>
                    {" "}
                    (
                    <Link href={`/apps/${problem.app}`} className="underline">
                      {problem.app}
                    </Link>
                    )
                  </>
                ) : null
              }
            />
            {more > 0 ? (
              <p className="mt-2">
                and {more.toLocaleString("en")} more: <code>npm run gantry -- layout check</code>{" "}
                lists them all.
              </p>
            ) : null}
          </Notice>
        )}
      </PageSection>
      {report.import ? (
        <>
          <PageSection id="discovery" title="What the layout found">
            <p className="mb-2 text-sm text-slate-600 dark:text-slate-400">
              At commit <code>{report.import.commit?.slice(0, 12) ?? "—"}</code>, in{" "}
              {report.environments.map((e) => e.name).join(", ") || "no environment"}.
            </p>
            {report.discovery ? (
              <DiscoveryRules discovery={report.discovery} />
            ) : (
              <p className="text-sm text-slate-600 dark:text-slate-400">
                This import was made before Gantry recorded its rules; the next import shows them.
              </p>
            )}
          </PageSection>
          <PageSection id="cells" title="Cells">
            <FilterForm label="Filter cells" action="/imports#cells" className="md:grid-cols-3">
              <TextFilter
                id="filter-app"
                name="app"
                label="Application"
                value={query.app}
                placeholder="slug or name"
              />
              <Field id="filter-env" label="Environment">
                <Select name="env" defaultValue={query.env ?? ""}>
                  <option value="">Every environment</option>
                  {report.environments.map((e) => (
                    <option key={e.name} value={e.name}>
                      {e.displayName}
                    </option>
                  ))}
                </Select>
              </Field>
            </FilterForm>
            {cells.rows.length === 0 ? (
              <EmptyState title="No cell matches">
                No application × environment matches this filter.
              </EmptyState>
            ) : (
              <ImportCellsTable cells={cells.rows} />
            )}
            <Pager
              summary={`${cells.total.toLocaleString("en")} cell${cells.total === 1 ? "" : "s"} · page ${cells.page} of ${cells.pageCount}`}
              steps={[
                {
                  href: cells.page > 1 ? importReportHref(query, cells.page - 1) : null,
                  text: "‹ Previous",
                },
                {
                  href:
                    cells.page < cells.pageCount ? importReportHref(query, cells.page + 1) : null,
                  text: "Next ›",
                },
              ]}
            />
          </PageSection>
        </>
      ) : null}
      <PageSection id="runs" title="Recent runs">
        {runs.length === 0 ? (
          <EmptyState title="No import has run yet">
            Run <code>npm run gantry -- import</code>; Gantry also imports at start.
          </EmptyState>
        ) : (
          <ImportRunTable runs={runs} />
        )}
      </PageSection>
    </>
  );
}
