"use client";

import { useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Field, FormError, Input } from "@/components/ui/field";

type SignInState = { error: string | null; email: string };

/** E-mail and password; the action's refusal (wrong password, locked out) shows under the button. */
export function SignInForm({
  action,
  next,
}: {
  action: (state: SignInState, formData: FormData) => Promise<SignInState>;
  next: string;
}) {
  const [state, formAction, pending] = useActionState(action, { error: null, email: "" });
  return (
    <form action={formAction} className="space-y-4" aria-busy={pending}>
      <input type="hidden" name="next" value={next} />
      <Field id="email" label="E-mail">
        <Input
          name="email"
          type="email"
          autoComplete="username"
          required
          defaultValue={state.email}
        />
      </Field>
      <Field id="password" label="Password">
        <Input name="password" type="password" autoComplete="current-password" required />
      </Field>
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Signing in…" : "Sign in"}
      </Button>
      <FormError error={state.error} />
    </form>
  );
}
