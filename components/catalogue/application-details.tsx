import type { ReactNode } from "react";
import { ProblemList } from "@/components/catalogue/problem-list";
import { Badge, TierBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardTitle } from "@/components/ui/card";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import { Notice } from "@/components/ui/notice";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ApplicationView } from "@/lib/catalogue/get-application";

const linkClass = "text-blue-800 hover:underline dark:text-blue-300";

export function ApplicationDetails({
  application: app,
  promoteRefusal,
}: {
  application: ApplicationView;
  /** Why the person may not promote this app, in words; null when they may (the server checks again). */
  promoteRefusal: string | null;
}) {
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight">{app.name}</h1>
          <p className="mt-1 font-mono text-sm text-slate-500">{app.slug}</p>
          {app.description ? (
            <p className="mt-2 max-w-3xl text-slate-700">{app.description}</p>
          ) : null}
        </div>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-slate-500">Team</dt>
          <dd>
            <a href={`/apps?team=${encodeURIComponent(app.team.slug)}`} className={linkClass}>
              {app.team.name}
            </a>
          </dd>
          <dt className="text-slate-500">Tier</dt>
          <dd>
            <TierBadge tier={app.tier} />
          </dd>
          <dt className="text-slate-500">Chart</dt>
          <dd className="font-mono">{app.chart}</dd>
          <dt className="text-slate-500">Imported</dt>
          <dd>
            <RelativeTime value={app.updatedAt} /> at{" "}
            <span className="font-mono">{app.lastCommit.slice(0, 12)}</span>
          </dd>
        </dl>
      </div>

      {app.archivedAt ? (
        <Notice tone="warning" title="Archived">
          This application is no longer in the GitOps repository (removed{" "}
          <RelativeTime value={app.archivedAt} />
          ). Its history is kept.
        </Notice>
      ) : null}

      {app.problems.length > 0 ? (
        <Notice
          tone="danger"
          title="The last import could not read some of this application's files"
        >
          <ProblemList problems={app.problems} className="list-disc pl-5" />
        </Notice>
      ) : null}

      <Card id="environments" title="Environments">
        <DataTable
          caption={`Environments of ${app.name}`}
          framed={false}
          columns={environmentColumns(app, promoteRefusal)}
          rows={[
            ...app.targets.map((target) => ({ environment: target.environment, target })),
            ...app.missingEnvironments.map((environment) => ({ environment, target: null })),
          ]}
          rowKey={(row) => row.environment.name}
        />
        {promoteRefusal && !app.archivedAt ? (
          <p className="mt-3 text-sm text-slate-600 dark:text-slate-400">
            You cannot promote {app.name}: {promoteRefusal}.
          </p>
        ) : null}
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card id="links" title="Links">
          {app.links.length === 0 ? (
            <p className="text-sm text-slate-500">No links in app.yaml.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {app.links.map((link) => (
                <li key={`${link.title}-${link.url}`}>
                  {link.safe ? (
                    <a href={link.url} rel="noopener noreferrer" className={linkClass}>
                      {link.title}
                    </a>
                  ) : (
                    <span>
                      {link.title}: <span className="font-mono text-xs break-all">{link.url}</span>{" "}
                      <Badge tone="warning">not an http(s) link</Badge>
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
          <CardTitle className="mt-5 mb-3">Labels</CardTitle>
          {app.labels.length === 0 ? (
            <p className="text-sm text-slate-500">No labels.</p>
          ) : (
            <ul className="flex flex-wrap gap-1.5">
              {app.labels.map((label) => (
                <li key={label.key}>
                  <a
                    href={`/apps?label=${encodeURIComponent(`${label.key}=${label.value}`)}`}
                    className="inline-block rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700 hover:bg-slate-200"
                  >
                    {label.key}={label.value}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card id="commits" title="Recent commits">
          {app.commits.ok ? (
            app.commits.items.length === 0 ? (
              <p className="text-sm text-slate-500">No commits touch this application.</p>
            ) : (
              <ol className="space-y-2 text-sm">
                {app.commits.items.map((commit) => (
                  <li key={commit.sha} className="flex gap-3">
                    <span className="font-mono text-xs text-slate-500">
                      {commit.sha.slice(0, 8)}
                    </span>
                    <span className="min-w-0 flex-1">
                      <span className="block truncate">{commit.subject}</span>
                      <span className="text-xs text-slate-500">
                        {commit.authorName} · <RelativeTime value={new Date(commit.authoredAt)} />
                      </span>
                    </span>
                  </li>
                ))}
              </ol>
            )
          ) : (
            <Notice tone="warning" title="Git history unavailable">
              {app.commits.error}
            </Notice>
          )}
        </Card>
      </div>

      <Card id="releases" title="Releases seen">
        {app.releases.length === 0 ? (
          <p className="text-sm text-slate-500">No releases yet.</p>
        ) : (
          <ul className="flex flex-wrap gap-2 text-sm">
            {app.releases.map((release) => (
              <li key={release.version} className="rounded border border-slate-200 px-2 py-1">
                <span className="font-mono">{release.version}</span>{" "}
                <span className="text-xs text-slate-500">
                  {release.source} · <RelativeTime value={release.firstSeenAt} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

type Target = ApplicationView["targets"][number];
type EnvironmentRow = { environment: { name: string; displayName: string }; target: Target | null };

/** An environment the app is deployed to has its version, file and commit; one it is not says so. */
function environmentColumns(
  app: ApplicationView,
  promoteRefusal: string | null,
): DataColumn<EnvironmentRow>[] {
  const present = (cell: (target: Target) => ReactNode) => (row: EnvironmentRow) =>
    row.target ? cell(row.target) : null;
  return [
    {
      id: "environment",
      header: "Environment",
      rowHeader: true,
      className: "font-medium",
      cell: ({ environment, target }) => (
        <span className={target ? undefined : "text-slate-500"}>
          {environment.displayName}{" "}
          <span className="font-mono text-xs text-slate-500">({environment.name})</span>
        </span>
      ),
    },
    {
      id: "version",
      header: "Desired version",
      className: "font-mono",
      cell: (row) =>
        row.target ? (
          (row.target.desiredVersion ?? (
            <span className="italic text-slate-500">chart default</span>
          ))
        ) : (
          <span className="font-sans text-slate-500">
            Not deployed: no values file for this environment
          </span>
        ),
    },
    {
      id: "file",
      header: "Values file",
      className: "font-mono text-xs",
      cell: present((target) =>
        target.fileUrl ? (
          <a href={target.fileUrl} className={linkClass}>
            {target.valuesPath}
          </a>
        ) : (
          target.valuesPath
        ),
      ),
    },
    {
      id: "commit",
      header: "Read at commit",
      className: "font-mono text-xs",
      cell: present((target) => target.desiredCommit.slice(0, 12)),
    },
    {
      id: "actions",
      header: "Actions",
      headerHidden: true,
      className: "text-right",
      cell: present((target) =>
        app.archivedAt || promoteRefusal ? null : (
          <span className="inline-flex gap-2">
            <Button asChild size="sm" variant="secondary">
              <a
                href={`/apps/${app.slug}/promote?env=${encodeURIComponent(target.environment.name)}`}
                aria-label={`Promote to ${target.environment.name}`}
              >
                Promote
              </a>
            </Button>
            <Button asChild size="sm" variant="secondary">
              <a
                href={`/apps/${app.slug}/rollback?env=${encodeURIComponent(target.environment.name)}`}
                aria-label={`Roll back ${target.environment.name}`}
              >
                Roll back
              </a>
            </Button>
          </span>
        ),
      ),
    },
  ];
}
