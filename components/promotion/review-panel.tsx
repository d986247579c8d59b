import { ActionForm, type ActionState } from "@/components/promotion/action-form";
import { Badge } from "@/components/ui/badge";
import { Field, Textarea } from "@/components/ui/field";
import { RelativeTime } from "@/components/ui/relative-time";
import type { PromotionApprovals, ReviewView } from "@/lib/promotion/approval-standing";

type Action = (state: ActionState, formData: FormData) => Promise<ActionState>;

/**
 * The reviews of a promotion (given in Gantry or on the Git host), where it
 * stands against its environment's policy in words, and — for a person who
 * may review it — Approve and Request changes. Hiding the buttons is a
 * courtesy; the server checks again.
 */
export function ReviewPanel({
  promotionId,
  environment,
  approvals,
  open,
  canReview,
  reviewRefusal,
  myReview = null,
  approveAction,
  requestChangesAction,
}: {
  promotionId: string;
  environment: string;
  approvals: PromotionApprovals;
  /** Still under review (pr_open or approved). */
  open: boolean;
  canReview: boolean;
  /** Why the person may not review, when they may not (shown in place of the buttons). */
  reviewRefusal: string | null;
  /** The person's own review that still counts: shown instead of the form that gave it. */
  myReview?: ReviewView | null;
  approveAction: Action;
  requestChangesAction: Action;
}) {
  const { standing, policy, reviews } = approvals;
  return (
    <div className="space-y-4 text-sm">
      <p className="text-slate-700">
        {policy.required === 0
          ? `${environment} needs no approval`
          : `${environment} needs ${policy.required} approval${policy.required === 1 ? "" : "s"}${policy.team ? ` from ${policy.team}` : ""}`}
        , never from the person who asked
        {policy.autoMerge ? "; Gantry merges by itself once it is satisfied" : ""}.
      </p>
      {open ? <StandingLine standing={standing} /> : null}

      {reviews.length === 0 ? (
        <p className="text-slate-600">No reviews yet.</p>
      ) : (
        <ul aria-label="Reviews" className="divide-y divide-slate-100">
          {reviews.map((review) => (
            <ReviewItem key={review.id} review={review} />
          ))}
        </ul>
      )}

      {open && canReview && myReview ? <YourReview review={myReview} /> : null}
      {open && canReview ? (
        <div className="grid gap-4 border-t border-slate-100 pt-4 sm:grid-cols-2">
          {myReview?.decision === "approve" ? null : (
            <ActionForm
              action={approveAction}
              submitLabel={myReview ? "Approve instead" : "Approve"}
              pendingLabel="Approving…"
              hidden={{ promotionId }}
            >
              <Field id="review-approve-comment" label="Comment (optional)">
                <Textarea name="comment" rows={2} maxLength={4000} />
              </Field>
            </ActionForm>
          )}
          {myReview?.decision === "request_changes" ? null : (
            <ActionForm
              action={requestChangesAction}
              submitLabel={myReview ? "Request changes instead" : "Request changes"}
              pendingLabel="Sending…"
              tone="danger"
              hidden={{ promotionId }}
            >
              <Field id="review-changes-comment" label="What should change (required)">
                <Textarea name="comment" rows={2} required maxLength={4000} />
              </Field>
            </ActionForm>
          )}
        </div>
      ) : null}
      {open && !canReview && reviewRefusal ? (
        <p className="border-t border-slate-100 pt-3 text-slate-600">
          You cannot review this promotion: {reviewRefusal}.
        </p>
      ) : null}
    </div>
  );
}

/**
 * The person's own review, in place of the form that gave it: giving it again
 * would change nothing, so the page does not offer it.
 */
function YourReview({ review }: { review: ReviewView }) {
  const approved = review.decision === "approve";
  return (
    <p
      role="status"
      className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-slate-50 p-2 dark:border-slate-700 dark:bg-slate-900"
    >
      <Badge tone={approved ? "success" : "danger"}>
        {approved ? "✓ you approved" : "✕ you requested changes"}
      </Badge>
      <span>
        {approved ? "You approved this promotion" : "You asked for changes to this promotion"}{" "}
        <RelativeTime value={new Date(review.createdAt)} />
        {approved ? "; it counts until the pull request gets new commits." : "."}
      </span>
    </p>
  );
}

/** "Approved: 2 of 2 required" or the blockers, in words. */
export function StandingLine({ standing }: { standing: PromotionApprovals["standing"] }) {
  if (standing.satisfied) {
    return (
      <p className="flex items-center gap-2">
        <Badge tone="success">policy satisfied</Badge>
        <span>
          {standing.required === 0
            ? "no approval required"
            : `approved by ${standing.approvers.join(", ")} (${standing.counted} of ${standing.required} required)`}
        </span>
      </p>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Badge tone="warning">not mergeable yet</Badge>
      <ul aria-label="What is missing" className="flex flex-wrap gap-x-3">
        {standing.blockers.map((blocker) => (
          <li key={blocker}>{blocker}</li>
        ))}
      </ul>
    </div>
  );
}

function ReviewItem({ review }: { review: ReviewView }) {
  const approved = review.decision === "approve";
  return (
    <li className="py-2">
      <p className="flex flex-wrap items-center gap-2">
        <span className="font-medium">{review.reviewer.name}</span>
        {review.reviewer.login && review.reviewer.login !== review.reviewer.name ? (
          <span className="font-mono text-xs text-slate-600">@{review.reviewer.login}</span>
        ) : null}
        <Badge tone={approved ? "success" : "danger"}>
          {approved ? "approved" : "requested changes"}
        </Badge>
        <Badge tone="neutral">{review.source === "portal" ? "in Gantry" : "on the Git host"}</Badge>
        {review.dismissed ? <Badge tone="neutral">dismissed</Badge> : null}
        {!review.dismissed && !review.current ? (
          <Badge tone="neutral">of an earlier commit ({review.headCommit.slice(0, 12)})</Badge>
        ) : null}
        <span className="text-xs text-slate-500">
          <RelativeTime value={new Date(review.createdAt)} />
        </span>
      </p>
      {review.comment ? (
        <p className="mt-1 whitespace-pre-wrap text-slate-700">{review.comment}</p>
      ) : null}
    </li>
  );
}
