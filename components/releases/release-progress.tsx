import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ReleaseProgressView, ReleaseStepView } from "@/lib/releases/list-release-progress";

const TONE: Record<ReleaseStepView["tone"], BadgeTone> = {
  done: "success",
  active: "info",
  waiting: "warning",
  stopped: "danger",
  none: "neutral",
};

/** The application's releases, newest first, each with where it is in every environment. */
export function ReleaseProgress({
  releases,
  now,
}: {
  releases: readonly ReleaseProgressView[];
  now: Date;
}) {
  return (
    <Card
      // Not "releases": the Git-seen releases card has that id, and two headings would share one.
      id="registered-releases"
      title="Releases"
      description="Versions CI registered, newest first, and where each one is now."
    >
      {releases.length === 0 ? (
        <EmptyState title="No releases registered yet">
          CI registers releases with <code>npm run gantry -- release create</code> or{" "}
          <code>POST /api/v1/releases</code>; see docs/ci.md.
        </EmptyState>
      ) : (
        <ol className="divide-y divide-slate-200 dark:divide-slate-700">
          {releases.map((release) => (
            <li key={release.id} className="py-3">
              <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                <span className="font-mono font-semibold">{release.version}</span>
                {release.demo ? (
                  <span title="Registered by Gantry's demo feed, not by a CI pipeline">
                    <Badge tone="neutral">demo</Badge>
                  </span>
                ) : null}
                {release.heldIn ? (
                  <a
                    href="#held-versions-heading"
                    title="Rolled back: no rule promotes it again until the hold is released"
                  >
                    <Badge tone="danger">{`held in ${release.heldIn} and later`}</Badge>
                  </a>
                ) : null}
                <span className="text-xs text-slate-500">
                  <RelativeTime value={release.registeredAt} now={now} />
                  {release.registeredBy ? ` by ${release.registeredBy}` : ""}
                </span>
                {release.buildUrl ? (
                  <a
                    className="text-xs text-blue-700 underline dark:text-blue-300"
                    href={release.buildUrl}
                    rel="noopener noreferrer nofollow"
                    target="_blank"
                  >
                    build
                  </a>
                ) : null}
                {release.commit ? (
                  release.commit.url ? (
                    <a
                      className="font-mono text-xs text-blue-700 underline dark:text-blue-300"
                      href={release.commit.url}
                      rel="noopener noreferrer nofollow"
                      target="_blank"
                    >
                      {release.commit.sha.slice(0, 12)}
                    </a>
                  ) : (
                    <span className="font-mono text-xs">{release.commit.sha.slice(0, 12)}</span>
                  )
                ) : null}
              </div>
              <ol
                className="mt-2 flex flex-wrap items-center gap-2 text-sm"
                aria-label={`Where ${release.version} is`}
              >
                {release.steps.map((step, index) => (
                  <li key={step.environment} className="flex items-center gap-2">
                    {index > 0 ? (
                      <span aria-hidden="true" className="text-slate-400">
                        →
                      </span>
                    ) : null}
                    <span className="font-medium">{step.environment}</span>
                    {step.promotionId ? (
                      <a href={`/promotions/${step.promotionId}`}>
                        <Badge tone={TONE[step.tone]}>{stepText(step)}</Badge>
                      </a>
                    ) : (
                      <Badge tone={TONE[step.tone]}>{stepText(step)}</Badge>
                    )}
                  </li>
                ))}
              </ol>
              {release.notes ? (
                <p className="mt-1 max-w-2xl whitespace-pre-line text-xs text-slate-600 dark:text-slate-400">
                  {release.notes.slice(0, 500)}
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function stepText(step: ReleaseStepView): string {
  return step.tone === "done" ? `✓ ${step.text}` : step.text;
}
