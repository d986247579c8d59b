import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { approveTrainAction, closeTrainAction, mergeTrainAction } from "@/app/trains/actions";
import { ActionForm } from "@/components/promotion/action-form";
import { DiffView } from "@/components/promotion/diff-view";
import { PromotionStateBadge } from "@/components/promotion/state-badge";
import { countsInWords } from "@/components/trains/train-table";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { DataTable } from "@/components/ui/data-table";
import { Notice } from "@/components/ui/notice";
import { PageHeader, PageSection } from "@/components/ui/page-header";
import { isGantryError } from "@/lib/errors";
import { requirePerson } from "@/lib/people/current-principal";
import { getPromotionContext } from "@/lib/runtime/promotion-context";
import { getTrainPage, type TrainPageView } from "@/lib/trains/get-train-page";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Release train" };

export default async function TrainPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePerson();
  const { id } = await params;
  let view: TrainPageView;
  try {
    view = await getTrainPage({ db: getPromotionContext().db, trainId: id });
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const underReview = view.applications.some(
    (a) => a.state === "pr_open" || a.state === "approved",
  );
  const failed = view.applications.filter((a) => a.state === "failed");
  const open = view.applications.some((a) =>
    ["planned", "pr_open", "approved", "failed"].includes(a.state),
  );
  return (
    <>
      <Breadcrumb trail={[{ label: "Release trains", href: "/trains" }]} current={view.selection} />
      <PageHeader
        title={`Release train: ${view.applications.length} applications`}
        description={`${view.selection}. Requested by ${view.requestedBy}: ${view.reason}`}
      />
      <p className="mb-4 text-sm">
        {countsInWords(view.counts)}
        {view.prNumber ? (
          <>
            {" · "}pull request #{view.prNumber} on <code>{view.branch}</code>
            {view.prUrl ? (
              <>
                {" · "}
                <a href={view.prUrl} className="underline">
                  open on the Git host
                </a>
              </>
            ) : null}
          </>
        ) : null}
      </p>
      {view.failureReason ? (
        <Notice tone="danger" title="The train's pull request could not be opened" className="mb-4">
          {view.failureReason}
        </Notice>
      ) : null}
      {failed.length > 0 ? (
        <Notice
          tone="danger"
          title={`${failed.length} of ${view.applications.length} applications failed`}
          className="mb-4"
        >
          {failed.map((a) => `${a.application}: ${a.failureReason ?? "failed"}`).join("; ")}
        </Notice>
      ) : null}
      {open ? (
        <ActionForm
          action={closeTrainAction}
          hidden={{ trainId: view.id }}
          submitLabel="Close the train without merging"
          pendingLabel="Closing…"
          tone="danger"
          className="mb-6"
        />
      ) : null}
      {underReview ? (
        <PageSection id="policy" title="Policy">
          {view.standing.satisfied ? (
            <p className="mb-3 text-sm">Every application's policy is met: the train may merge.</p>
          ) : (
            <ul className="mb-3 list-disc pl-5 text-sm">
              {view.standing.blockers.map((b) => (
                <li key={b.blocker}>
                  {b.blocker} ({b.applications.length} application
                  {b.applications.length === 1 ? "" : "s"})
                </li>
              ))}
            </ul>
          )}
          <div className="flex flex-wrap gap-6">
            <ActionForm
              action={approveTrainAction}
              hidden={{ trainId: view.id }}
              submitLabel="Approve the train"
              pendingLabel="Approving…"
            />
            <ActionForm
              action={mergeTrainAction}
              hidden={{ trainId: view.id }}
              submitLabel="Merge the train"
              pendingLabel="Merging…"
              tone="secondary"
            />
          </div>
        </PageSection>
      ) : null}
      <PageSection id="applications" title="Applications">
        <DataTable
          caption="Each application's progress to deployed"
          rows={view.applications}
          rowKey={(a) => a.promotionId}
          columns={[
            {
              id: "app",
              header: "Application",
              rowHeader: true,
              cell: (a) => (
                <Link href={`/promotions/${a.promotionId}`} className="underline">
                  {a.application}
                </Link>
              ),
              sortValue: (a) => a.application,
            },
            { id: "env", header: "Environment", cell: (a) => a.environment },
            {
              id: "change",
              header: "Change",
              cell: (a) => `${a.previousVersion || "(empty)"} → ${a.version}`,
            },
            {
              id: "state",
              header: "State",
              cell: (a) => <PromotionStateBadge state={a.state} />,
              sortValue: (a) => a.state,
            },
            { id: "why", header: "Failure", cell: (a) => a.failureReason ?? "" },
          ]}
        />
      </PageSection>
      {view.excluded.length > 0 ? (
        <PageSection id="excluded" title="Left out">
          <ul className="list-disc pl-5 text-sm">
            {view.excluded.map((p) => (
              <li key={p.application}>
                <strong>{p.application}</strong>: {p.message}
              </li>
            ))}
          </ul>
        </PageSection>
      ) : null}
      <PageSection id="diff" title="The change, by application">
        {view.applications.slice(0, 100).map((a) => (
          <DiffView key={a.promotionId} diff={a.diff} label={`${a.application}: ${a.valuesPath}`} />
        ))}
      </PageSection>
    </>
  );
}
