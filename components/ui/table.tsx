import Link from "next/link";
import type { ComponentProps, ReactNode } from "react";
import { cardClass } from "./card";
import { cn } from "./cn";

/**
 * The one table style: a framed, horizontally scrolling table with a caption
 * (hidden unless asked for) that names it for screen readers and for tests.
 * Inside a Card, `framed={false}` leaves the frame to the card.
 */
export function Table({
  caption,
  captionVisible = false,
  framed = true,
  className,
  children,
}: {
  caption?: ReactNode;
  captionVisible?: boolean;
  framed?: boolean;
  className?: string;
  children: ReactNode;
}) {
  return (
    // `relative`: screen-reader-only text in the cells is positioned against the scrolling
    // frame, not the page, so a wide table never makes the whole page scroll sideways.
    <div className={cn("relative overflow-x-auto", framed && cardClass, className)}>
      <table className="w-full text-sm">
        {caption ? (
          <caption
            className={
              captionVisible
                ? "px-3 py-2 text-left text-sm font-semibold text-slate-700 dark:text-slate-300"
                : "sr-only"
            }
          >
            {caption}
          </caption>
        ) : null}
        {children}
      </table>
    </div>
  );
}

export function TableHeader({ className, ...props }: ComponentProps<"thead">) {
  return (
    <thead
      className={cn(
        "bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600 dark:bg-slate-800/60 dark:text-slate-400",
        className,
      )}
      {...props}
    />
  );
}

export function TableBody({ className, ...props }: ComponentProps<"tbody">) {
  return (
    <tbody
      className={cn("divide-y divide-slate-100 dark:divide-slate-800", className)}
      {...props}
    />
  );
}

export function TableRow({ className, ...props }: ComponentProps<"tr">) {
  return (
    <tr className={cn("hover:bg-slate-50/60 dark:hover:bg-slate-800/40", className)} {...props} />
  );
}

/** A column's header. */
export function TableHead({
  className,
  numeric = false,
  ...props
}: ComponentProps<"th"> & { numeric?: boolean }) {
  return (
    <th
      scope="col"
      className={cn("px-3 py-2 font-semibold", numeric && "text-right", className)}
      {...props}
    />
  );
}

/** The cell that names its row (the first one, usually): a row header for screen readers. */
export function TableRowHeader({ className, ...props }: ComponentProps<"th">) {
  return (
    <th
      scope="row"
      className={cn("px-3 py-2 text-left align-top font-normal", className)}
      {...props}
    />
  );
}

export function TableCell({
  className,
  numeric = false,
  ...props
}: ComponentProps<"td"> & { numeric?: boolean }) {
  return (
    <td
      className={cn("px-3 py-2 align-top", numeric && "text-right tabular-nums", className)}
      {...props}
    />
  );
}

export type SortDirection = "asc" | "desc";

/** The words and arrow of a sortable header, the same whether it sorts here or by a link. */
export function SortLabel({ label, sorted }: { label: ReactNode; sorted: SortDirection | false }) {
  return (
    <>
      {label}
      <span aria-hidden="true" className="w-3 text-[0.65rem]">
        {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "↕"}
      </span>
    </>
  );
}

export function ariaSort(sorted: SortDirection | false): "ascending" | "descending" | "none" {
  return sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none";
}

export const sortControlClass =
  "inline-flex items-center gap-1 rounded uppercase tracking-wide hover:text-slate-900 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:hover:text-slate-100";

/**
 * The header of a column sorted on the server: a link to the same page sorted
 * by this column (the order is in the URL, so it survives paging and sharing).
 */
export function SortLinkHead({
  label,
  sorted,
  href,
  numeric = false,
  className,
}: {
  label: string;
  sorted: SortDirection | false;
  href: string;
  numeric?: boolean;
  className?: string;
}) {
  return (
    <TableHead numeric={numeric} aria-sort={ariaSort(sorted)} className={className}>
      <Link href={href} className={sortControlClass}>
        <SortLabel label={label} sorted={sorted} />
      </Link>
    </TableHead>
  );
}

/** How a column of a DataTable looks, without its cell functions (so it can reach the browser). */
export interface ColumnLook {
  id: string;
  header: string;
  /** The header is read by screen readers only (an actions column). */
  headerHidden?: boolean;
  numeric?: boolean;
  /** The cell names its row (a row header); usually the first column. */
  rowHeader?: boolean;
  className?: string;
}

/** The header text of a column, hidden when the column says so. */
export function ColumnHeader({ column }: { column: ColumnLook }) {
  return column.headerHidden ? <span className="sr-only">{column.header}</span> : column.header;
}

/** One row's cells, each as its column says (row header or cell, numeric or not). */
export function RowCells({
  columns,
  cells,
}: {
  columns: readonly ColumnLook[];
  cells: ReactNode[];
}) {
  return columns.map((column, index) =>
    column.rowHeader ? (
      <TableRowHeader key={column.id} className={column.className}>
        {cells[index]}
      </TableRowHeader>
    ) : (
      <TableCell key={column.id} numeric={column.numeric} className={column.className}>
        {cells[index]}
      </TableCell>
    ),
  );
}

/**
 * A table laid out from its columns: one header row (each header as `head`
 * renders it) and one body row per entry, its cells already rendered.
 */
export function ColumnTable({
  caption,
  framed,
  columns,
  head,
  rows,
}: {
  caption: string;
  framed?: boolean;
  columns: readonly ColumnLook[];
  head: (column: ColumnLook, index: number) => ReactNode;
  rows: readonly { key: string; cells: ReactNode[] }[];
}) {
  return (
    <Table caption={caption} framed={framed}>
      <TableHeader>
        <tr>{columns.map(head)}</tr>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.key}>
            <RowCells columns={columns} cells={row.cells} />
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
