"use client";

import { useActionState } from "react";

type PasswordState = { error: string | null };

const INPUT =
  "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-blue-600 focus:outline-none focus:ring-1 focus:ring-blue-600";

function Field({
  name,
  label,
  autoComplete,
}: {
  name: string;
  label: string;
  autoComplete: string;
}) {
  return (
    <div>
      <label htmlFor={name} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <input
        id={name}
        name={name}
        type="password"
        autoComplete={autoComplete}
        required
        className={INPUT}
      />
    </div>
  );
}

export function ChangePasswordForm({
  action,
  minLength,
}: {
  action: (state: PasswordState, formData: FormData) => Promise<PasswordState>;
  minLength: number;
}) {
  const [state, formAction, pending] = useActionState(action, { error: null });
  return (
    <form action={formAction} className="space-y-4" aria-busy={pending}>
      <Field name="currentPassword" label="Current password" autoComplete="current-password" />
      <Field name="newPassword" label="New password" autoComplete="new-password" />
      <p className="-mt-2 text-xs text-slate-500">At least {minLength} characters.</p>
      <Field name="confirmPassword" label="New password again" autoComplete="new-password" />
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-blue-700 px-3 py-2 text-sm font-medium text-white hover:bg-blue-800 disabled:opacity-60"
      >
        {pending ? "Changing…" : "Change password"}
      </button>
      {state.error ? (
        <p
          role="alert"
          className="rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-900"
        >
          {state.error}
        </p>
      ) : null}
    </form>
  );
}
