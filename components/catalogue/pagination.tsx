import { Pager } from "@/components/ui/pager";
import { type CatalogueQuery, catalogueSearch } from "@/lib/catalogue/catalogue-query";

/**
 * Page links for the catalogue; the page lives in the URL like every other
 * part of the view. Next and Previous carry the position of this page's
 * last or first row, so the next page is found by its keys, not by counting
 * rows; the page number only labels it.
 */
export function Pagination({
  query,
  page,
  pageCount,
  total,
  pageSize,
  estimate = false,
  startCursor,
  endCursor,
}: {
  query: CatalogueQuery;
  page: number;
  pageCount: number;
  total: number;
  pageSize: number;
  /** The total is a few seconds old (a status filter): shown as "about N". */
  estimate?: boolean;
  startCursor: string | null;
  endCursor: string | null;
}) {
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const href = (target: number, allowed: boolean, position: Partial<CatalogueQuery> = {}) =>
    allowed ? `/apps${catalogueSearch(query, { page: target, ...position })}` : null;
  // Page 1 and the last page need no position: the first rows, or the last ones read backwards.
  const previous =
    page - 1 > 1 && startCursor ? { before: startCursor } : ({} as Partial<CatalogueQuery>);
  const next = endCursor ? { after: endCursor } : {};
  return (
    <Pager
      summary={
        <>
          Showing <strong>{first.toLocaleString("en")}</strong>–
          <strong>{last.toLocaleString("en")}</strong> of {estimate ? "about " : ""}
          <strong>{total.toLocaleString("en")}</strong>
        </>
      }
      current={`Page ${page} of ${pageCount}`}
      steps={[
        { href: href(1, page > 1), text: "« First", label: "First page" },
        { href: href(page - 1, page > 1, previous), text: "‹ Previous", label: "Previous page" },
        { href: href(page + 1, page < pageCount, next), text: "Next ›", label: "Next page" },
        { href: href(pageCount, page < pageCount), text: "Last »", label: "Last page" },
      ]}
    />
  );
}
