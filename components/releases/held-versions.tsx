import { ActionForm, type ActionState } from "@/components/promotion/action-form";
import { Card } from "@/components/ui/card";
import { Field, Textarea } from "@/components/ui/field";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ReleaseHoldView } from "@/lib/releases/holds";

/**
 * The versions of an application held after a rollback: no rule promotes
 * one into its environment or a later one until a person releases the hold
 * (approvers of that environment), saying why.
 */
export function HeldVersions({
  holds,
  releaseAction,
  className,
}: {
  holds: readonly (ReleaseHoldView & { mayRelease: boolean })[];
  releaseAction: (state: ActionState, formData: FormData) => Promise<ActionState>;
  className?: string;
}) {
  if (holds.length === 0) return null;
  return (
    <Card
      className={className}
      id="held-versions"
      title="Held versions"
      description="Rolled back: no rule promotes these into the environment or any later one until the hold is released."
    >
      <ul className="divide-y divide-slate-200 dark:divide-slate-700">
        {holds.map((hold) => (
          <li key={hold.id} className="py-3 text-sm">
            <p>
              <span className="font-mono font-semibold">{hold.version}</span> held in{" "}
              <span className="font-medium">{hold.environment}</span> and later by {hold.heldBy}{" "}
              <RelativeTime value={new Date(hold.createdAt)} />
              {hold.rollbackPromotionId ? (
                <>
                  {" "}
                  (
                  <a href={`/promotions/${hold.rollbackPromotionId}`} className="underline">
                    rollback
                  </a>
                  )
                </>
              ) : null}
            </p>
            <p className="mt-1 text-slate-600 dark:text-slate-400">{hold.reason}</p>
            {hold.mayRelease ? (
              <details className="mt-2">
                <summary className="cursor-pointer text-sm font-medium">
                  Release hold on {hold.version}
                </summary>
                <ActionForm
                  action={releaseAction}
                  hidden={{ holdId: hold.id }}
                  submitLabel={`Release hold on ${hold.version}`}
                  pendingLabel="Releasing…"
                  tone="secondary"
                  className="mt-2"
                >
                  <Field id={`release-reason-${hold.id}`} label="Why may it be promoted again?">
                    <Textarea name="reason" required maxLength={2000} rows={2} />
                  </Field>
                </ActionForm>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}
