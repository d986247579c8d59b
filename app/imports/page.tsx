import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { requirePerson } from "@/lib/auth/current-principal";
import { listImports } from "@/lib/catalog/list-imports";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Imports" };
export const dynamic = "force-dynamic";

const STATUS_TONE = { succeeded: "success", failed: "danger", running: "info" } as const;

export default async function ImportsPage() {
  await requirePerson();
  const { runs, currentProblems } = await listImports({ db: getDb() });
  return (
    <>
      <PageHeader
        title="Imports"
        description="Each run reads the GitOps repository at a commit and brings the catalogue in line with it."
      />
      <section aria-labelledby="problems-heading" className="mb-8">
        <h2 id="problems-heading" className="mb-3 text-lg font-semibold">
          Problems in the repository
        </h2>
        {currentProblems.length === 0 ? (
          <p className="text-sm text-slate-600">The last successful import read every file.</p>
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
      </section>
      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading" className="mb-3 text-lg font-semibold">
          Recent runs
        </h2>
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-sm">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Started
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="px-3 py-2">
                  Trigger
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Took
                </th>
                <th scope="col" className="px-3 py-2">
                  Commit
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Seen
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Created
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Updated
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Archived
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Problems
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {runs.map((run) => (
                <tr key={run.id}>
                  <td className="px-3 py-2">
                    <RelativeTime value={run.startedAt} />
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={STATUS_TONE[run.status as keyof typeof STATUS_TONE] ?? "neutral"}>
                      {run.status}
                    </Badge>
                    {run.error ? <p className="mt-1 text-xs text-red-800">{run.error}</p> : null}
                  </td>
                  <td className="px-3 py-2">{run.trigger}</td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    {run.durationMs === null ? "running" : formatDuration(run.durationMs)}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{run.commit?.slice(0, 12) ?? "—"}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{run.appsSeen}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{run.appsCreated}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{run.appsUpdated}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{run.appsArchived}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{run.problemCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

/** "850 ms", "12.4 s", "3 min 5 s". */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
