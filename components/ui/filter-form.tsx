import type { ReactNode } from "react";
import { Button } from "./button";
import { cn } from "./cn";
import { Field, Input } from "./field";

/**
 * A list's filters as a plain GET form in a search landmark: the URL holds
 * them, so a filtered view is a link, and the form works without JavaScript.
 */
export function FilterForm({
  label,
  action,
  className,
  children,
}: {
  label: string;
  action: string;
  /** The grid's columns at each width. */
  className?: string;
  children: ReactNode;
}) {
  return (
    <search aria-label={label}>
      <form method="get" action={action} className={cn("mb-4 grid grid-cols-2 gap-3", className)}>
        {children}
        <FilterActions resetHref={action} />
      </form>
    </search>
  );
}

/** Apply and Reset, at the end of a filter form; hidden inputs that keep the rest of the URL go in children. */
export function FilterActions({
  resetHref,
  children,
}: {
  resetHref: string;
  children?: ReactNode;
}) {
  return (
    <div className="flex items-end gap-2">
      {children}
      <Button type="submit">Apply</Button>
      <Button asChild variant="ghost">
        <a href={resetHref}>Reset</a>
      </Button>
    </div>
  );
}

/** A free-text filter: label and input, its value kept from the URL. */
export function TextFilter({
  id,
  name,
  label,
  value,
  placeholder,
  type,
}: {
  id: string;
  name: string;
  label: string;
  value: string | undefined;
  placeholder?: string;
  type?: "search" | "date";
}) {
  if (type === "date") {
    // ISO dates, not the browser's date picker: its format follows the browser's
    // language (often the US order whatever the locale), while Gantry writes every
    // date — in the URL, the tables, the descriptions — as YYYY-MM-DD (UTC).
    return (
      <Field id={id} label={`${label} (YYYY-MM-DD)`}>
        <Input
          name={name}
          type="text"
          inputMode="numeric"
          pattern="\d{4}-\d{2}-\d{2}"
          maxLength={10}
          autoComplete="off"
          defaultValue={value ?? ""}
          placeholder={placeholder ?? "YYYY-MM-DD"}
        />
      </Field>
    );
  }
  return (
    <Field id={id} label={label}>
      <Input name={name} type={type} defaultValue={value ?? ""} placeholder={placeholder} />
    </Field>
  );
}
