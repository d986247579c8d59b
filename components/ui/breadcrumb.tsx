import Link from "next/link";
import { Fragment } from "react";

/** Where a page sits: links up to each page above it, then (optionally) this page's name. */
export function Breadcrumb({
  trail,
  current,
}: {
  trail: readonly { href: string; label: string }[];
  current?: string;
}) {
  return (
    <nav aria-label="Breadcrumb" className="mb-3 text-sm text-slate-600 dark:text-slate-400">
      {trail.map((step, index) => (
        <Fragment key={step.href}>
          {index > 0 ? <Separator /> : null}
          <Link href={step.href} className="hover:underline">
            {step.label}
          </Link>
        </Fragment>
      ))}
      {current ? (
        <>
          <Separator />
          <span aria-current="page">{current}</span>
        </>
      ) : null}
    </nav>
  );
}

function Separator() {
  return (
    <>
      {" "}
      <span aria-hidden="true">/</span>{" "}
    </>
  );
}
