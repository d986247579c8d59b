"use client";

import type { ReactNode } from "react";
import { ActionForm } from "@/components/promotion/action-form";

/**
 * What a form whose action makes a secret answers: the refusal in words, or
 * the secret (a one-time password, an API token) to show this once. The
 * secret lives only in this response and this component's state; reloading
 * the page forgets it.
 */
export type SecretActionState = {
  error: string | null;
  secret?: { label: string; value: string; note: string };
  /** What happened, when it is worth saying ("Grants saved"). */
  notice?: string;
};

export function SecretForm({
  action,
  hidden,
  children,
  submitLabel,
  pendingLabel,
  tone = "primary",
}: {
  action: (state: SecretActionState, formData: FormData) => Promise<SecretActionState>;
  hidden?: Readonly<Record<string, string>>;
  children?: ReactNode;
  submitLabel: string;
  pendingLabel: string;
  tone?: "primary" | "secondary";
}) {
  return (
    <ActionForm
      action={action}
      initialState={{ error: null }}
      hidden={hidden}
      submitLabel={submitLabel}
      pendingLabel={pendingLabel}
      tone={tone}
      after={(state) => <SecretAnswer state={state} />}
    >
      {children}
    </ActionForm>
  );
}

function SecretAnswer({ state }: { state: SecretActionState }) {
  return (
    <>
      {state.notice && !state.error ? (
        <p role="status" className="mt-2 text-sm text-emerald-800 dark:text-emerald-300">
          {state.notice}
        </p>
      ) : null}
      {state.secret ? (
        <section
          aria-label={state.secret.label}
          className="mt-3 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
        >
          <p className="font-semibold">{state.secret.label}</p>
          <p className="mt-1">{state.secret.note}</p>
          <output className="mt-2 block select-all break-all rounded bg-white px-2 py-1 font-mono text-sm ring-1 ring-amber-300 dark:bg-slate-900">
            {state.secret.value}
          </output>
        </section>
      ) : null}
    </>
  );
}
