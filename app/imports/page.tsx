import type { Metadata } from "next";
import Link from "next/link";
import { ProblemList } from "@/components/catalogue/problem-list";
import { ImportRunTable } from "@/components/imports/import-run-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader, PageSection } from "@/components/ui/page-header";
import { listImports } from "@/lib/catalogue/list-imports";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";

export const metadata: Metadata = { title: "Imports" };
export const dynamic = "force-dynamic";

export default async function ImportsPage() {
  await requirePerson();
  const { runs, currentProblems } = await listImports({ db: getDb() });
  return (
    <>
      <PageHeader
        title="Imports"
        description="Each run reads the GitOps repository at a commit and brings the catalogue in line with it."
      />
      <PageSection id="problems" title="Problems in the repository">
        {currentProblems.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            The last successful import read every file.
          </p>
        ) : (
          <Notice
            tone="warning"
            title={`${currentProblems.length} file(s) could not be read; every other application imported`}
          >
            <ProblemList
              problems={currentProblems}
              className="mt-2 space-y-1"
              extra={(problem) =>
                problem.applicationSlug ? (
                  <>
                    {" "}
                    (
                    <Link href={`/apps/${problem.applicationSlug}`} className="underline">
                      {problem.applicationSlug}
                    </Link>
                    )
                  </>
                ) : null
              }
            />
          </Notice>
        )}
      </PageSection>
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
