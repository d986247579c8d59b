"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError, Input } from "@/components/ui/field";

type PasswordState = { error: string | null };

export function ChangePasswordForm({
  action,
  minLength,
}: {
  action: (state: PasswordState, formData: FormData) => Promise<PasswordState>;
  minLength: number;
}) {
  const [state, formAction, pending] = useActionState(action, { error: null });
  const password = { type: "password", required: true } as const;
  return (
    <form action={formAction} className="space-y-4" aria-busy={pending}>
      <Field id="currentPassword" label="Current password">
        <Input name="currentPassword" autoComplete="current-password" {...password} />
      </Field>
      <Field id="newPassword" label="New password" hint={`At least ${minLength} characters.`}>
        <Input name="newPassword" autoComplete="new-password" {...password} />
      </Field>
      <Field id="confirmPassword" label="New password again">
        <Input name="confirmPassword" autoComplete="new-password" {...password} />
      </Field>
      <Button type="submit" disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </Button>
      <FormError error={state.error} />
    </form>
  );
}
