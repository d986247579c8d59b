import type { ReactNode } from "react";
import { cn } from "./cn";
import { PageHeader } from "./page-header";

/**
 * What a page shows instead of its content when it cannot show it: the
 * problem in words, each thing that was wrong, and a way on. An alert, since
 * the person must act on it.
 */
export function ErrorState({
  title,
  problems,
  children,
  action,
  className,
}: {
  title: string;
  problems?: readonly string[];
  children?: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  return (
    <div
      role="alert"
      className={cn(
        "rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100",
        className,
      )}
    >
      <p className="font-semibold">{title}</p>
      {problems && problems.length > 0 ? (
        <ul className="mt-1 list-disc pl-5">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      {children ? <div className="mt-1">{children}</div> : null}
      {action ? <p className="mt-2 font-medium [&_a]:underline">{action}</p> : null}
    </div>
  );
}

/** A list page whose link it cannot read: its heading, what was wrong, and the way back to the whole list. */
export function InvalidLinkPage({
  heading,
  title = "This link has a filter Gantry does not understand",
  problems,
  resetHref,
  resetLabel = `Show all ${heading.toLowerCase()}`,
}: {
  heading: string;
  title?: string;
  problems: readonly string[];
  resetHref: string;
  resetLabel?: string;
}) {
  return (
    <>
      <PageHeader title={heading} />
      <ErrorState title={title} problems={problems} action={<a href={resetHref}>{resetLabel}</a>} />
    </>
  );
}
