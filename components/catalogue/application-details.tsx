import { Badge, TierBadge } from "@/components/ui/badge";
import { Notice } from "@/components/ui/notice";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ApplicationView } from "@/lib/catalogue/get-application";

const card = "rounded-lg border border-slate-200 bg-white p-4";
const heading = "mb-3 text-sm font-semibold uppercase tracking-wide text-slate-600";

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
            <a
              href={`/apps?team=${encodeURIComponent(app.team.slug)}`}
              className="text-blue-800 hover:underline"
            >
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
          <ul className="list-disc pl-5">
            {app.problems.map((problem) => (
              <li key={`${problem.file}:${problem.line}:${problem.message}`}>
                <span className="font-mono">
                  {problem.file}
                  {problem.line ? `:${problem.line}` : ""}
                  {problem.column ? `:${problem.column}` : ""}
                </span>{" "}
                — {problem.message}
              </li>
            ))}
          </ul>
        </Notice>
      ) : null}

      <section aria-labelledby="environments-heading" className={card}>
        <h2 id="environments-heading" className={heading}>
          Environments
        </h2>
        <table className="w-full text-sm">
          <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="py-1 pr-4">
                Environment
              </th>
              <th scope="col" className="py-1 pr-4">
                Desired version
              </th>
              <th scope="col" className="py-1 pr-4">
                Values file
              </th>
              <th scope="col" className="py-1 pr-4">
                Read at commit
              </th>
              <th scope="col" className="py-1">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {app.targets.map((target) => (
              <tr key={target.environment.name}>
                <th scope="row" className="py-2 pr-4 text-left font-medium">
                  {target.environment.displayName}{" "}
                  <span className="font-mono text-xs text-slate-500">
                    ({target.environment.name})
                  </span>
                </th>
                <td className="py-2 pr-4 font-mono">
                  {target.desiredVersion ?? (
                    <span className="italic text-slate-500">no version</span>
                  )}
                </td>
                <td className="py-2 pr-4 font-mono text-xs">
                  {target.fileUrl ? (
                    <a href={target.fileUrl} className="text-blue-800 hover:underline">
                      {target.valuesPath}
                    </a>
                  ) : (
                    target.valuesPath
                  )}
                </td>
                <td className="py-2 pr-4 font-mono text-xs">{target.desiredCommit.slice(0, 12)}</td>
                <td className="py-2 text-right">
                  {app.archivedAt || promoteRefusal ? null : (
                    <a
                      href={`/apps/${app.slug}/promote?env=${encodeURIComponent(target.environment.name)}`}
                      aria-label={`Promote to ${target.environment.name}`}
                      className="rounded-md px-2 py-1 text-xs font-medium text-blue-800 ring-1 ring-blue-200 hover:bg-blue-50"
                    >
                      Promote
                    </a>
                  )}
                </td>
              </tr>
            ))}
            {app.missingEnvironments.map((environment) => (
              <tr key={environment.name}>
                <th scope="row" className="py-2 pr-4 text-left font-medium text-slate-500">
                  {environment.displayName}{" "}
                  <span className="font-mono text-xs text-slate-400">({environment.name})</span>
                </th>
                <td colSpan={4} className="py-2 text-slate-500">
                  Not deployed: no values file for this environment
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {promoteRefusal && !app.archivedAt ? (
          <p className="mt-3 text-sm text-slate-600">
            You cannot promote {app.name}: {promoteRefusal}.
          </p>
        ) : null}
      </section>

      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="links-heading" className={card}>
          <h2 id="links-heading" className={heading}>
            Links
          </h2>
          {app.links.length === 0 ? (
            <p className="text-sm text-slate-500">No links in app.yaml.</p>
          ) : (
            <ul className="space-y-1 text-sm">
              {app.links.map((link) => (
                <li key={`${link.title}-${link.url}`}>
                  {link.safe ? (
                    <a
                      href={link.url}
                      rel="noopener noreferrer"
                      className="text-blue-800 hover:underline"
                    >
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
          <h2 className={`${heading} mt-5`}>Labels</h2>
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
        </section>

        <section aria-labelledby="commits-heading" className={card}>
          <h2 id="commits-heading" className={heading}>
            Recent commits
          </h2>
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
        </section>
      </div>

      <section aria-labelledby="releases-heading" className={card}>
        <h2 id="releases-heading" className={heading}>
          Releases seen
        </h2>
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
      </section>
    </div>
  );
}
