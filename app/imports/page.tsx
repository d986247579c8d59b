import type { Metadata } from "next";
import Link from "next/link";
import { ImportRunTable } from "@/components/imports/import-run-table";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader, PageSection } from "@/components/ui/page-header";
import { requirePerson } from "@/lib/auth/current-principal";
import { listImports } from "@/lib/catalog/list-imports";
import { getDb } from "@/lib/db";

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
            <ul className="mt-2 space-y-1">
              {currentProblems.map((problem) => (
                <li key={`${problem.file}:${problem.line}:${problem.column}:${problem.message}`}>
                  <span className="font-mono">
                    {problem.file}
                    {problem.line ? `:${problem.line}` : ""}
                    {problem.column ? `:${problem.column}` : ""}
                  </span>{" "}
                  — {problem.message}
                  {problem.applicationSlug ? (
                    <>
                      {" "}
                      (
                      <Link href={`/apps/${problem.applicationSlug}`} className="underline">
                        {problem.applicationSlug}
                      </Link>
                      )
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
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
