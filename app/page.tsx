import Link from "next/link";
import { Card, cardClass } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { getOverview } from "@/lib/catalogue/get-overview";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";

export const dynamic = "force-dynamic";

export default async function OverviewPage() {
  await requirePerson();
  const overview = await getOverview({ db: getDb() });
  const { lastImport } = overview;
  return (
    <>
      <PageHeader title="Overview" description="The fleet as the GitOps repository describes it." />

      {overview.applications === 0 ? (
        <EmptyState title="No applications yet" className="mb-6">
          Gantry imports applications from the GitOps repository (
          <code>apps/&lt;app&gt;/app.yaml</code>). Run <code>npm run gantry -- import</code> or see
          the{" "}
          <Link href="/imports" className="underline">
            imports
          </Link>
          .
        </EmptyState>
      ) : null}

      {lastImport && (lastImport.status === "failed" || lastImport.problems > 0) ? (
        <Notice
          className="mb-6"
          tone={lastImport.status === "failed" ? "danger" : "warning"}
          title={
            lastImport.status === "failed"
              ? "The last import failed"
              : `The last import found ${lastImport.problems} file${lastImport.problems === 1 ? "" : "s"} it could not read`
          }
        >
          {lastImport.error ? <p>{lastImport.error}</p> : null}
          <Link href="/imports" className="font-medium underline">
            See the details
          </Link>
        </Notice>
      ) : null}

      <dl className="mb-8 grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Applications" value={overview.applications} href="/apps" />
        <Stat label="Teams" value={overview.teams.length} />
        <Stat label="Environments" value={overview.environments.length} />
        <Stat
          label="Versions differ between environments"
          value={overview.applicationsDiffering}
          href="/apps?differs=1"
        />
      </dl>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card id="environments" title="Environments, in delivery order">
          <ol className="space-y-3">
            {overview.environments.map((environment, index) => (
              <li key={environment.name} className="flex items-start gap-3">
                <span
                  aria-hidden="true"
                  className="mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-full bg-blue-100 text-xs font-semibold text-blue-800 dark:bg-blue-900 dark:text-blue-100"
                >
                  {index + 1}
                </span>
                <div>
                  <p className="font-medium">
                    {environment.displayName}{" "}
                    <span className="font-mono text-xs text-slate-500">{environment.name}</span>
                  </p>
                  <p className="text-sm text-slate-600">
                    {environment.applications.toLocaleString("en")} applications ·{" "}
                    {environment.clusters.length === 0
                      ? "no clusters"
                      : environment.clusters.map((c) => c.name).join(", ")}
                  </p>
                </div>
              </li>
            ))}
          </ol>
        </Card>

        <Card id="teams" title="Teams">
          <ul className="grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-2">
            {overview.teams.map((team) => (
              <li key={team.slug} className="flex justify-between gap-2">
                <Link
                  href={`/apps?team=${encodeURIComponent(team.slug)}`}
                  className="text-blue-800 hover:underline"
                >
                  {team.name}
                </Link>
                <span className="tabular-nums text-slate-600">{team.applications}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>

      {lastImport ? (
        <p className="mt-6 text-sm text-slate-600">
          Last import {lastImport.status} <RelativeTime value={lastImport.startedAt} />
          {lastImport.commit ? (
            <>
              {" "}
              at commit <span className="font-mono">{lastImport.commit.slice(0, 12)}</span>
            </>
          ) : null}
          .{" "}
          {overview.archivedApplications > 0 ? (
            <Link href="/apps?archived=1" className="underline">
              {overview.archivedApplications} archived
            </Link>
          ) : null}
        </p>
      ) : null}
    </>
  );
}

/**
 * One figure of the overview. A `<dl>` may hold only `<div>` groups of
 * `<dt>`/`<dd>`, so a figure that leads somewhere links its number, and the
 * link's box covers the card so the whole card is still the target.
 */
function Stat({ label, value, href }: { label: string; value: number; href?: string }) {
  const number = value.toLocaleString("en");
  return (
    <div className={cn(cardClass, "relative p-4", href && "hover:border-blue-300")}>
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="mt-1 text-3xl font-semibold tabular-nums">
        {href ? (
          <Link
            href={href}
            aria-label={`${number} ${label.toLowerCase()}`}
            className="rounded after:absolute after:inset-0 after:content-[''] focus-visible:outline-2 focus-visible:outline-blue-600"
          >
            {number}
          </Link>
        ) : (
          number
        )}
      </dd>
    </div>
  );
}
