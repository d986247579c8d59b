import type { ReactNode } from "react";
import { cn } from "./cn";

/** What a list or table shows when it has nothing: what is missing and how to get some. */
export function EmptyState({
  title,
  children,
  action,
  className,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  return (
    <div
      className={cn(
        "rounded-lg border border-dashed border-slate-300 bg-white px-4 py-6 text-center text-sm text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-400",
        className,
      )}
    >
      <p className="font-semibold text-slate-800 dark:text-slate-100">{title}</p>
      {children ? <div className="mt-1">{children}</div> : null}
      {action ? <div className="mt-3">{action}</div> : null}
    </div>
  );
}
