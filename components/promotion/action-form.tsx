"use client";

import { type ReactNode, useActionState } from "react";

export type ActionState = { error: string | null };
type Action = (state: ActionState, formData: FormData) => Promise<ActionState>;

/**
 * A form bound to a server action: disables itself while the action runs
 * and shows the action's refusal, in words, next to the button.
 */
export function ActionForm({
  action,
  children,
  submitLabel,
  pendingLabel,
  tone = "primary",
  className,
  disabled = false,
  describedBy,
}: {
  action: Action;
  children?: ReactNode;
  submitLabel: string;
  pendingLabel: string;
  tone?: "primary" | "secondary" | "danger";
  className?: string;
  /** The button is shown but cannot be pressed (say why next to it, and point `describedBy` there). */
  disabled?: boolean;
  describedBy?: string;
}) {
  const [state, formAction, pending] = useActionState(action, { error: null });
  const button = {
    primary: "bg-blue-700 text-white hover:bg-blue-800",
    secondary: "bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50",
    danger: "bg-white text-red-800 ring-1 ring-red-300 hover:bg-red-50",
  }[tone];
  return (
    <form action={formAction} className={className} aria-busy={pending}>
      <fieldset disabled={pending} className="space-y-3">
        {children}
        <div className="flex items-center gap-3">
          <button
            type="submit"
            disabled={disabled}
            aria-describedby={describedBy}
            className={`rounded-md px-3 py-1.5 text-sm font-medium disabled:cursor-not-allowed disabled:opacity-60 ${button}`}
          >
            {pending ? pendingLabel : submitLabel}
          </button>
        </div>
      </fieldset>
      {state.error ? (
        <p
          role="alert"
          className="mt-2 rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-900"
        >
          {state.error}
        </p>
      ) : null}
    </form>
  );
}
