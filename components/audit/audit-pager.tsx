import Link from "next/link";

/** Newer / older pages by cursor (the sequence at the page's edge), never by page number. */
export function AuditPager({
  newerHref,
  olderHref,
  newestHref,
}: {
  newerHref: string | null;
  olderHref: string | null;
  newestHref: string | null;
}) {
  const link = "rounded-md px-2.5 py-1 text-blue-800 hover:bg-slate-100";
  return (
    <nav aria-label="Pagination" className="mt-4 flex items-center justify-end gap-2 text-sm">
      {newestHref ? (
        <Link href={newestHref} className={link}>
          « Newest
        </Link>
      ) : null}
      {newerHref ? (
        <Link href={newerHref} className={link}>
          ‹ Newer
        </Link>
      ) : null}
      {olderHref ? (
        <Link href={olderHref} className={link}>
          Older ›
        </Link>
      ) : null}
    </nav>
  );
}
