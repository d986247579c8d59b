import type { ReactNode } from "react";
import { cn } from "./cn";

const TONES = {
  info: "border-blue-200 bg-blue-50 text-blue-900 dark:border-blue-900 dark:bg-blue-950 dark:text-blue-100",
  warning:
    "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100",
  danger:
    "border-red-200 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100",
} as const;

/** A block of text that must be noticed; `role="alert"` only for errors the person must act on. */
export function Notice({
  tone = "info",
  title,
  className,
  children,
}: {
  tone?: keyof typeof TONES;
  title: string;
  className?: string;
  children?: ReactNode;
}) {
  return (
    <div
      role={tone === "danger" ? "alert" : "status"}
      className={cn("rounded-md border p-4 text-sm", TONES[tone], className)}
    >
      <p className="font-semibold">{title}</p>
      {children ? <div className="mt-1">{children}</div> : null}
    </div>
  );
}
