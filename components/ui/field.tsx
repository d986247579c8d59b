import {
  type ComponentProps,
  cloneElement,
  isValidElement,
  type ReactElement,
  type ReactNode,
} from "react";
import { cn } from "./cn";

const control =
  "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 focus-visible:border-blue-600 focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-blue-600 disabled:opacity-60 aria-invalid:border-red-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-500";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(control, className)} {...props} />;
}

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={cn(control, className)} {...props} />;
}

/**
 * A native select, styled like the other controls: it submits with plain
 * GET forms, works without JavaScript, and keeps the platform's keyboard and
 * screen-reader behaviour (a combobox named by its label).
 */
export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(control, "pr-8", className)} {...props} />;
}

type DescribedProps = { id?: string; "aria-describedby"?: string; "aria-invalid"?: boolean };

/**
 * A label, one control, an optional hint and an optional error: the control
 * gets the id, is described by the hint and the error, and is marked invalid
 * while there is an error.
 */
export function Field({
  id,
  label,
  hint,
  error,
  labelHidden = false,
  className,
  children,
}: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  labelHidden?: boolean;
  className?: string;
  children: ReactElement<DescribedProps>;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [children.props["aria-describedby"], hintId, errorId]
    .filter(Boolean)
    .join(" ");
  const controlElement = isValidElement(children)
    ? cloneElement(children, {
        id,
        ...(describedBy ? { "aria-describedby": describedBy } : {}),
        ...(error ? { "aria-invalid": true } : {}),
      })
    : children;
  return (
    <div className={className}>
      <Label htmlFor={id} className={labelHidden ? "sr-only" : undefined}>
        {label}
      </Label>
      {controlElement}
      {hint ? (
        <p id={hintId} className="mt-1 text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="mt-1 text-xs text-red-800 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function Label({ className, ...props }: ComponentProps<"label">) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the caller names the control with htmlFor
    <label
      className={cn("mb-1 block text-sm font-medium text-slate-700 dark:text-slate-300", className)}
      {...props}
    />
  );
}

/** A checkbox with its label and an optional hint beside it. */
export function CheckboxField({
  label,
  hint,
  className,
  ...props
}: Omit<ComponentProps<"input">, "type"> & { label: ReactNode; hint?: ReactNode }) {
  return (
    <label className={cn("flex items-start gap-2 text-sm", className)}>
      <input
        type="checkbox"
        className="mt-0.5 size-4 accent-blue-700 focus-visible:outline-2 focus-visible:outline-blue-600"
        {...props}
      />
      <span>
        <span className="font-medium">{label}</span>
        {hint ? <span className="text-slate-500 dark:text-slate-400"> — {hint}</span> : null}
      </span>
    </label>
  );
}

/** A group of controls named by a legend (role checkboxes, scopes). */
export function Fieldset({
  legend,
  className,
  children,
}: {
  legend: ReactNode;
  className?: string;
  children: ReactNode;
}) {
  return (
    <fieldset className={className}>
      <legend className="mb-1 text-sm font-medium text-slate-700 dark:text-slate-300">
        {legend}
      </legend>
      {children}
    </fieldset>
  );
}

/** A form's refusal, in words, where the person looks after pressing its button. */
export function FormError({ error, className }: { error: string | null; className?: string }) {
  if (!error) return null;
  return (
    <p
      role="alert"
      className={cn(
        "mt-2 rounded-md border border-red-200 bg-red-50 p-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100",
        className,
      )}
    >
      {error}
    </p>
  );
}
