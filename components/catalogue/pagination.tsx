import Link from "next/link";
import { type CatalogueQuery, catalogueSearch } from "@/lib/catalogue/catalogue-query";

/** Page links for the catalogue; the page lives in the URL like every other part of the view. */
export function Pagination({
  query,
  page,
  pageCount,
  total,
  pageSize,
}: {
  query: CatalogueQuery;
  page: number;
  pageCount: number;
  total: number;
  pageSize: number;
}) {
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const href = (target: number) => `/apps${catalogueSearch(query, { page: target })}`;
  return (
    <nav
      aria-label="Pagination"
      className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm"
    >
      <p className="text-slate-600">
        Showing <strong>{first.toLocaleString("en")}</strong>–
        <strong>{last.toLocaleString("en")}</strong> of{" "}
        <strong>{total.toLocaleString("en")}</strong>
      </p>
      <div className="flex items-center gap-1">
        <PageLink href={href(1)} disabled={page <= 1} label="First page">
          « First
        </PageLink>
        <PageLink href={href(page - 1)} disabled={page <= 1} label="Previous page">
          ‹ Previous
        </PageLink>
        <span className="px-2 text-slate-700" aria-current="page">
          Page {page} of {pageCount}
        </span>
        <PageLink href={href(page + 1)} disabled={page >= pageCount} label="Next page">
          Next ›
        </PageLink>
        <PageLink href={href(pageCount)} disabled={page >= pageCount} label="Last page">
          Last »
        </PageLink>
      </div>
    </nav>
  );
}

function PageLink({
  href,
  disabled,
  label,
  children,
}: {
  href: string;
  disabled: boolean;
  label: string;
  children: string;
}) {
  if (disabled) {
    return (
      <span aria-disabled="true" className="rounded-md px-2.5 py-1 text-slate-400">
        {children}
      </span>
    );
  }
  return (
    <Link
      href={href}
      aria-label={label}
      className="rounded-md px-2.5 py-1 text-blue-800 hover:bg-slate-100"
    >
      {children}
    </Link>
  );
}
