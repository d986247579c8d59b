import type { Metadata } from "next";
import Link from "next/link";
import { DiffView } from "@/components/promotion/diff-view";
import { StandingLine } from "@/components/promotion/review-panel";
import { PromotionStateBadge } from "@/components/promotion/state-badge";
import { Badge } from "@/components/ui/badge";
import { cardClass } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { requirePerson } from "@/lib/people/current-principal";
import { type ApprovalInboxItem, listApprovalInbox } from "@/lib/promotion/list-approval-inbox";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approvals" };

/**
 * The signed-in person's approvals inbox: promotions under review that they
 * may approve (environments they approve for, never their own), oldest
 * first, each with what it changes and what it still needs.
 */
export default async function ApprovalsPage() {
  const person = await requirePerson("/approvals");
  const inbox = await listApprovalInbox({ db: getPromotionContext().db, principal: person });
  return (
    <div className="space-y-6">
      <PageHeader
        title="Approvals"
        description={
          inbox.items.length === 0
            ? "Nothing is waiting for you."
            : `${inbox.items.length} promotion${inbox.items.length === 1 ? "" : "s"} you may approve, oldest first; ${inbox.awaitingYou} await${inbox.awaitingYou === 1 ? "s" : ""} your review.`
        }
      />
      {inbox.items.length === 0 ? (
        <EmptyState title="Nothing waits for your review">
          {person.roles.includes("approver") || person.roles.includes("admin")
            ? "No promotion into the environments you approve for is waiting for a review."
            : "You approve for no environment; an admin can name you an approver."}
        </EmptyState>
      ) : (
        <ol aria-label="Promotions awaiting approval" className="space-y-4">
          {inbox.items.map((item) => (
            <InboxItem key={item.promotion.id} item={item} />
          ))}
        </ol>
      )}
      {inbox.truncated ? (
        <p className="text-sm text-slate-600">
          More promotions are waiting; review these first, or find them on{" "}
          <Link href="/promotions?state=pr_open" className="underline">
            Promotions
          </Link>
          .
        </p>
      ) : null}
    </div>
  );
}

function InboxItem({ item }: { item: ApprovalInboxItem }) {
  const p = item.promotion;
  const title = `${p.application.name} to ${p.toEnvironment.displayName} (${p.version})`;
  return (
    <li>
      <article aria-label={title} className={cn(cardClass, "space-y-3 p-4")}>
        <header className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 className="text-base font-semibold">
              <Link href={`/promotions/${p.id}`} className="text-blue-800 hover:underline">
                Promote {p.application.name} to {p.toEnvironment.displayName}
              </Link>
            </h2>
            <p className="mt-0.5 text-sm text-slate-600">
              <span className="font-mono">{p.previousVersion}</span> →{" "}
              <span className="font-mono font-semibold">{p.version}</span>
              {p.fromEnvironment ? <> · from {p.fromEnvironment}</> : null} · into{" "}
              {p.toEnvironment.name} · asked by {p.requestedBy.name}{" "}
              <RelativeTime value={new Date(p.createdAt)} />
            </p>
          </div>
          <div className="flex items-center gap-2 text-sm">
            <PromotionStateBadge state={p.state} />
            {item.yourReview === "approve" ? <Badge tone="success">you approved</Badge> : null}
            {item.yourReview === "request_changes" ? (
              <Badge tone="danger">you requested changes</Badge>
            ) : null}
          </div>
        </header>
        <p className="text-sm text-slate-700">
          <span className="font-medium">Reason:</span> {p.reason}
        </p>
        <div className="text-sm">
          <StandingLine standing={item.approvals.standing} />
        </div>
        <DiffView diff={item.planDiff} label={item.valuesPath} />
        <p className="text-sm">
          <Link
            href={`/promotions/${p.id}`}
            className="font-medium text-blue-800 hover:underline"
            aria-label={`Review ${title}`}
          >
            Review →
          </Link>
        </p>
      </article>
    </li>
  );
}
