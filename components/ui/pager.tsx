import Link from "next/link";
import type { ReactNode } from "react";

/** One step of a pager: where it goes (null: nowhere from this page), its text and its name for screen readers. */
export interface PagerStep {
  href: string | null;
  text: string;
  label?: string;
}

/** Links to the other pages of a list, after a line that says where in the list this page is. */
export function Pager({
  summary,
  steps,
  current,
}: {
  summary?: ReactNode;
  steps: readonly PagerStep[];
  /** Where this page sits among the steps ("Page 2 of 9"), after the first half of them. */
  current?: string;
}) {
  const middle = Math.ceil(steps.length / 2);
  const step = (s: PagerStep) =>
    s.href ? (
      <Link
        key={s.text}
        href={s.href}
        aria-label={s.label}
        className="rounded-md px-2.5 py-1 text-blue-800 hover:bg-slate-100 dark:text-blue-300 dark:hover:bg-slate-800"
      >
        {s.text}
      </Link>
    ) : (
      <span
        key={s.text}
        aria-disabled="true"
        className="rounded-md px-2.5 py-1 text-slate-500 dark:text-slate-400"
      >
        {s.text}
      </span>
    );
  return (
    <nav
      aria-label="Pagination"
      className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm"
    >
      <p className="text-slate-600 dark:text-slate-400">{summary}</p>
      <div className="flex items-center gap-1">
        {steps.slice(0, middle).map(step)}
        {current ? (
          <span className="px-2 text-slate-700 dark:text-slate-300" aria-current="page">
            {current}
          </span>
        ) : null}
        {steps.slice(middle).map(step)}
      </div>
    </nav>
  );
}
