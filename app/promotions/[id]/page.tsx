import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import {
  approvePromotionAction,
  closePromotionAction,
  mergePromotionAction,
  requestChangesAction,
  retryPromotionAction,
} from "@/app/promotions/actions";
import { PromotionTimeline } from "@/components/audit/promotion-timeline";
import { LiveRefresh } from "@/components/live/live-refresh";
import { ActionForm } from "@/components/promotion/action-form";
import { DiffView } from "@/components/promotion/diff-view";
import { ReviewPanel } from "@/components/promotion/review-panel";
import { PromotionStateBadge } from "@/components/promotion/state-badge";
import { Badge } from "@/components/ui/badge";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { RelativeTime } from "@/components/ui/relative-time";
import { isGantryError } from "@/lib/errors";
import { requirePerson } from "@/lib/people/current-principal";
import type { PromotionDetail } from "@/lib/promotion/get-promotion";
import { getPromotionPage, type PromotionPageView } from "@/lib/promotion/get-promotion-page";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Promotion" };

const RETRY = { submitLabel: "Retry", pendingLabel: "Retrying…" } as const;
const CLOSE = {
  submitLabel: "Close without merging",
  pendingLabel: "Closing…",
  tone: "danger",
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export default async function PromotionPage({ params }: { params: Promise<{ id: string }> }) {
  const person = await requirePerson();
  const { id } = await params;
  if (!UUID.test(id)) notFound();
  let view: PromotionPageView;
  try {
    view = await getPromotionPage({
      ctx: getPromotionContext(),
      principal: person,
      promotionId: id,
    });
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const { promotion: p, may } = view;
  const open = p.state === "pr_open" || p.state === "approved";
  const reviewRefusal = may.reviewRefusal;
  const canMerge = may.merge;
  const canClose = may.close;
  const canRetry = may.retry;
  const standing = p.approvals.standing;
  return (
    <div className="space-y-6">
      {/* Work in flight: the job opening the PR, or clusters converging after the merge. */}
      <LiveRefresh promotion={p.id} pollWhile={p.state === "planned"} pollMs={1_500} />
      <Breadcrumb trail={[{ href: "/promotions", label: "Promotions" }]} />
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">
            {p.kind === "rollback"
              ? `Roll back ${p.application.name} in ${p.toEnvironment.displayName}`
              : `Promote ${p.application.name} to ${p.toEnvironment.displayName}`}
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            <span className="font-mono">{p.previousVersion}</span> →{" "}
            <span className="font-mono font-semibold">{p.version}</span>
            {p.fromEnvironment ? <> · from {p.fromEnvironment}</> : null} · requested by{" "}
            {p.requestedBy.name} <RelativeTime value={new Date(p.createdAt)} />
          </p>
        </div>
        <div role="status" aria-live="polite" className="flex items-center gap-2 text-sm">
          State: <PromotionStateBadge state={p.state} />
        </div>
      </div>

      {p.mergedOutsidePolicy ? (
        <Notice tone="danger" title="Merged outside Gantry's policy">
          The pull request was merged on the Git host while gantry/policy said{" "}
          {p.policyStatus ?? "nothing yet"}, not success: the environment's policy was not met. The
          audit log records it. Require the gantry/policy status in the repository's branch
          protection so this cannot happen.
        </Notice>
      ) : null}
      {p.state === "planned" ? (
        <Notice title="Opening the pull request…">
          Gantry is creating the branch <span className="font-mono">{p.branch}</span>, the commit
          and the pull request. This page updates by itself.
        </Notice>
      ) : null}
      {p.state === "failed" ? (
        <Notice tone="danger" title="Opening the pull request failed">
          <p>{p.failureReason ?? "No reason was recorded."}</p>
          {canRetry ? (
            <div className="mt-3">
              <ActionForm action={retryPromotionAction} hidden={{ promotionId: p.id }} {...RETRY} />
            </div>
          ) : null}
        </Notice>
      ) : null}
      {p.state === "superseded" && p.supersededById ? (
        <Notice tone="warning" title="Superseded">
          A newer promotion of this application to {p.toEnvironment.name} replaced this one:{" "}
          <Link href={`/promotions/${p.supersededById}`} className="underline">
            see it
          </Link>
          .
        </Notice>
      ) : null}
      {p.mergeCommit &&
      (p.state === "merged" || p.state === "syncing" || p.state === "deployed") ? (
        <Notice title={p.state === "deployed" ? "Deployed" : "Merged"}>
          Merged as <span className="font-mono">{p.mergeCommit.slice(0, 12)}</span>; the catalogue
          now says {p.toEnvironment.name} should run {p.version}.{" "}
          {p.state === "deployed"
            ? "Every cluster of the environment reports it synced and healthy."
            : "Waiting for every cluster of the environment to report it synced and healthy; this page updates by itself."}{" "}
          <Link href={`/apps/${p.application.slug}`} className="underline">
            See the application
          </Link>
          .
        </Notice>
      ) : null}

      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <div className="space-y-6">
          <Card id="change" title="The change">
            <p className="mb-3 text-sm text-slate-700">
              <span className="font-medium">Reason:</span> {p.reason}
            </p>
            {p.breakGlassReason ? (
              <p className="mb-3 rounded-md border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                <span className="font-medium">Break-glass:</span> {p.toEnvironment.name} was frozen;
                promoted anyway because: {p.breakGlassReason}
              </p>
            ) : null}
            <DiffView
              diff={p.planDiff}
              label={`${p.valuesPath} (base ${p.baseCommit.slice(0, 12)})`}
            />
          </Card>

          <Card id="reviews" title="Reviews">
            <ReviewPanel
              promotionId={p.id}
              environment={p.toEnvironment.name}
              approvals={p.approvals}
              open={open && p.prNumber !== null}
              canReview={reviewRefusal === null}
              reviewRefusal={reviewRefusal}
              myReview={view.myReview}
              approveAction={approvePromotionAction}
              requestChangesAction={requestChangesAction}
            />
          </Card>

          <Card id="pr" title="Pull request">
            <PullRequestPanel promotion={p} />
            {open && (canMerge || canClose) ? (
              <div className="mt-4 flex flex-wrap items-start gap-4 border-t border-slate-100 pt-4">
                {canMerge ? (
                  <div className="space-y-1">
                    <ActionForm
                      action={mergePromotionAction}
                      submitLabel="Merge pull request"
                      pendingLabel="Merging…"
                      disabled={!standing.satisfied}
                      describedBy={standing.satisfied ? undefined : "merge-blockers"}
                      hidden={{ promotionId: p.id }}
                    ></ActionForm>
                    {standing.satisfied ? null : (
                      <p id="merge-blockers" className="text-xs text-slate-600">
                        Cannot merge yet: {standing.blockers.join("; ")}.
                      </p>
                    )}
                  </div>
                ) : null}
                {canClose ? (
                  <ActionForm
                    action={closePromotionAction}
                    hidden={{ promotionId: p.id }}
                    {...CLOSE}
                  />
                ) : null}
              </div>
            ) : null}
          </Card>
          {view.timeline ? <PromotionTimeline timeline={view.timeline} /> : null}
        </div>

        <Card id="timeline" title="Timeline">
          <ol className="relative space-y-4 border-l border-slate-200 pl-4">
            {p.events.map((event) => (
              <li key={event.id}>
                <span
                  aria-hidden="true"
                  className="absolute -left-1.5 mt-1 size-3 rounded-full bg-blue-600"
                />
                <p className="text-sm">
                  <PromotionStateBadge state={event.toState} />{" "}
                  <span className="text-slate-700">by {event.actor.name}</span>
                </p>
                {event.detail ? (
                  <p className="mt-0.5 text-xs text-slate-600">{event.detail}</p>
                ) : null}
                <p className="text-xs text-slate-500">
                  <RelativeTime value={new Date(event.at)} />
                </p>
              </li>
            ))}
          </ol>
        </Card>
      </div>
    </div>
  );
}

function PullRequestPanel({ promotion: p }: { promotion: PromotionDetail }) {
  if (p.prNumber === null) return <p className="text-sm text-slate-600">Not opened yet.</p>;
  if (p.live && !p.live.ok) {
    return (
      <Notice tone="warning" title={`Pull request #${p.prNumber}: the Git host could not be read`}>
        {p.live.error}
      </Notice>
    );
  }
  const live = p.live?.value;
  return (
    <div className="space-y-3 text-sm">
      <p>
        {p.prUrl ? (
          <a
            href={p.prUrl}
            rel="noopener noreferrer"
            className="font-medium text-blue-800 hover:underline dark:text-blue-300"
          >
            #{p.prNumber} {live?.pullRequest.title}
          </a>
        ) : (
          <span className="font-medium">
            #{p.prNumber} {live?.pullRequest.title}
          </span>
        )}{" "}
        {live ? (
          <Badge tone={live.pullRequest.state === "open" ? "info" : "neutral"}>
            {live.pullRequest.state}
          </Badge>
        ) : null}
      </p>
      <p className="font-mono text-xs text-slate-600">
        {p.branch} → {live?.pullRequest.base ?? "main"}
        {live ? ` · head ${live.pullRequest.headSha.slice(0, 12)}` : ""}
      </p>
      {live ? (
        <div>
          <h3 className="text-xs font-semibold text-slate-600">Checks</h3>
          {live.checks.state === "none" ? (
            <p className="text-slate-600">No checks report on this commit.</p>
          ) : (
            <ul className="mt-1 space-y-1">
              {live.checks.checks.map((check) => (
                <li key={check.name}>
                  {check.name}{" "}
                  <Badge
                    tone={
                      check.state === "success"
                        ? "success"
                        : check.state === "failure"
                          ? "danger"
                          : "info"
                    }
                  >
                    {check.state}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
