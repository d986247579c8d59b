"use client";

import { type ReactNode, useActionState } from "react";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field";

export type ActionState = { error: string | null };

/**
 * A form bound to a server action: disables itself while the action runs
 * and shows the action's refusal, in words, next to the button. `hidden`
 * names what the action acts on (a promotion's id); `after` shows the rest
 * of the action's answer (for client callers, such as SecretForm).
 */
export function ActionForm<S extends ActionState = ActionState>({
  action,
  initialState,
  hidden = {},
  children,
  submitLabel,
  pendingLabel,
  tone = "primary",
  className,
  disabled = false,
  describedBy,
  after,
}: {
  action: (state: Awaited<S>, formData: FormData) => Promise<S>;
  initialState?: Awaited<S>;
  hidden?: Readonly<Record<string, string>>;
  children?: ReactNode;
  submitLabel: string;
  pendingLabel: string;
  tone?: "primary" | "secondary" | "danger";
  className?: string;
  /** The button is shown but cannot be pressed (say why next to it, and point `describedBy` there). */
  disabled?: boolean;
  describedBy?: string;
  after?: (state: Awaited<S>) => ReactNode;
}) {
  const [state, formAction, pending] = useActionState<S, FormData>(
    action,
    initialState ?? ({ error: null } as Awaited<S>),
  );
  return (
    <form action={formAction} className={className} aria-busy={pending}>
      <fieldset disabled={pending} className="space-y-3">
        {Object.entries(hidden).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        {children}
        <Button
          type="submit"
          variant={tone}
          disabled={disabled}
          aria-describedby={describedBy}
          className="disabled:pointer-events-auto disabled:cursor-not-allowed"
        >
          {pending ? pendingLabel : submitLabel}
        </Button>
      </fieldset>
      <FormError error={state.error} />
      {after?.(state)}
    </form>
  );
}
