import type { ComponentProps, ReactNode } from "react";
import { cn } from "./cn";

export const cardClass =
  "rounded-lg border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900";

/**
 * A titled block of a page. With a title it is a region named by its heading
 * (`section` + `aria-labelledby`), so it can be found by that name; the
 * heading may be visible or only for screen readers.
 */
export function Card({
  id,
  title,
  titleHidden = false,
  description,
  actions,
  padded = true,
  className,
  children,
}: {
  /** Makes the heading's id; needed with a title. */
  id?: string;
  title?: ReactNode;
  titleHidden?: boolean;
  description?: ReactNode;
  actions?: ReactNode;
  padded?: boolean;
  className?: string;
  children?: ReactNode;
}) {
  const headingId = id ? `${id}-heading` : undefined;
  const header =
    title === undefined ? null : (
      <div
        className={cn(
          "flex flex-wrap items-start justify-between gap-3",
          titleHidden ? "" : "mb-3",
          !padded && !titleHidden && "px-4 pt-4",
        )}
      >
        <div className={titleHidden ? "sr-only" : "min-w-0"}>
          <CardTitle id={headingId}>{title}</CardTitle>
          {description ? <CardDescription>{description}</CardDescription> : null}
        </div>
        {actions ? <div className="flex items-center gap-2">{actions}</div> : null}
      </div>
    );
  const classes = cn(cardClass, padded && "p-4", className);
  if (title === undefined) return <div className={classes}>{children}</div>;
  return (
    <section aria-labelledby={headingId} className={classes}>
      {header}
      {children}
    </section>
  );
}

export function CardTitle({ className, ...props }: ComponentProps<"h2">) {
  return <h2 className={cn("text-base font-semibold", className)} {...props} />;
}

export function CardDescription({ className, ...props }: ComponentProps<"p">) {
  return (
    <p className={cn("mt-0.5 text-sm text-slate-600 dark:text-slate-400", className)} {...props} />
  );
}
