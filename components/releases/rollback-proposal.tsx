import { ActionForm, type ActionState } from "@/components/promotion/action-form";
import { DiffView } from "@/components/promotion/diff-view";
import { Card } from "@/components/ui/card";
import { Field, Textarea } from "@/components/ui/field";
import { Notice } from "@/components/ui/notice";
import type { RollbackPageView } from "@/lib/releases/get-rollback-page";

const REASON_MAX = 2000;
const FREEZE_REASON_MIN = 10;
const FREEZE_REASON_MAX = 500;

/**
 * A rollback as proposed: from the version running now back to the last
 * one deployed and healthy there, the exact change to the values file, the
 * rollback policy, and the form that opens its pull request.
 */
export function RollbackProposal({
  view,
  action,
}: {
  view: RollbackPageView;
  action: (state: ActionState, formData: FormData) => Promise<ActionState>;
}) {
  const { proposal } = view;
  const frozenRefused = view.freezeMessage !== null && !view.allowedDuringFreeze;
  return (
    <Card
      id="rollback"
      title={`Roll back ${view.application} in ${view.environment}`}
      description="Gantry opens a pull request that puts back the version this environment ran before; the version rolled back from is held here and in every later environment."
    >
      {view.refusal ? (
        <Notice tone="danger" title="Nothing to roll back to">
          {view.refusal}
        </Notice>
      ) : null}
      {proposal ? (
        <div className="space-y-4">
          <dl className="grid grid-cols-2 gap-3 text-sm">
            <div className="rounded-md bg-slate-50 p-2 dark:bg-slate-800">
              <dt className="text-xs text-slate-500">Running now</dt>
              <dd className="mt-0.5 font-mono">{proposal.currentVersion}</dd>
            </div>
            <div className="rounded-md bg-slate-50 p-2 dark:bg-slate-800">
              <dt className="text-xs text-slate-500">Back to</dt>
              <dd className="mt-0.5 font-mono font-semibold">{proposal.version}</dd>
            </div>
          </dl>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            {proposal.version}: {proposal.basis}.{" "}
            {view.approvals === 0
              ? "The rollback needs no approval here."
              : `The rollback needs ${view.approvals} approval${view.approvals === 1 ? "" : "s"}.`}
          </p>
          <DiffView
            diff={proposal.diff}
            label={`${proposal.valuesPath} at ${proposal.baseCommit.slice(0, 12)}`}
          />
          {view.freezeMessage ? (
            <Notice tone={frozenRefused ? "danger" : "warning"} title="Frozen">
              {frozenRefused
                ? `${view.freezeMessage}. This environment's policy refuses rollbacks during a freeze.`
                : `${view.freezeMessage}. A rollback may go ahead when you say why; the reason is kept and audited.`}
            </Notice>
          ) : null}
          {view.requestRefusal ? (
            <Notice tone="warning" title="You cannot roll this application back">
              {view.requestRefusal}.
            </Notice>
          ) : null}
          {view.requestRefusal || frozenRefused ? null : (
            <ActionForm
              action={action}
              hidden={{
                application: view.application,
                environment: view.environment,
                version: proposal.version,
              }}
              submitLabel={`Roll back to ${proposal.version}`}
              pendingLabel="Opening…"
              tone="danger"
            >
              <Field id="rollback-reason" label="Reason (goes into the pull request)">
                <Textarea name="reason" required maxLength={REASON_MAX} rows={3} />
              </Field>
              {view.freezeMessage ? (
                <Field
                  id="rollback-freeze-reason"
                  label="Why this cannot wait for the freeze to end"
                >
                  <Textarea
                    name="freezeReason"
                    required
                    minLength={FREEZE_REASON_MIN}
                    maxLength={FREEZE_REASON_MAX}
                    rows={2}
                  />
                </Field>
              ) : null}
            </ActionForm>
          )}
        </div>
      ) : null}
    </Card>
  );
}
