"use client";

import { type ReactNode, useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field";

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
  return (
    <form action={formAction} className={className} aria-busy={pending}>
      <fieldset disabled={pending} className="space-y-3">
        {children}
        <Button
          type="submit"
          variant={tone}
          disabled={disabled}
          aria-describedby={describedBy}
          className="disabled:cursor-not-allowed disabled:pointer-events-auto"
        >
          {pending ? pendingLabel : submitLabel}
        </Button>
      </fieldset>
      <FormError error={state.error} />
    </form>
  );
}
