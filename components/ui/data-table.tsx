import type { ReactNode } from "react";
import type { SortValue } from "./sort-value";
import { SortableTable } from "./sortable-table";
import { ColumnHeader, type ColumnLook, ColumnTable, TableHead } from "./table";

/** A column of a DataTable: its look, how a row's cell reads, and (to be sortable) what it sorts by. */
export type DataColumn<Row> = ColumnLook & {
  cell: (row: Row) => ReactNode;
  sortValue?: (row: Row) => SortValue;
};

function look<Row>({ cell: _cell, sortValue: _sortValue, ...column }: DataColumn<Row>): ColumnLook {
  return column;
}

/**
 * A list as a table, described by its columns. A complete list sorts in the
 * browser by any column that says what it sorts by: the cells render where
 * the rows are (on the server, for a page) and only the order is decided in
 * the browser, so a page passes no functions to the client. A table with no
 * sortable column (a page of a longer list, ordered by the server) stays
 * plain HTML.
 */
export function DataTable<Row>({
  caption,
  columns,
  rows,
  rowKey,
  initialSort,
  framed = true,
}: {
  caption: string;
  columns: readonly DataColumn<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  initialSort?: { id: string; desc: boolean };
  framed?: boolean;
}) {
  if (columns.some((column) => column.sortValue)) {
    return (
      <SortableTable
        caption={caption}
        framed={framed}
        initialSort={initialSort}
        columns={columns.map((column) => ({
          ...look(column),
          sortable: Boolean(column.sortValue),
        }))}
        rows={rows.map((row) => ({
          key: rowKey(row),
          cells: columns.map((column) => column.cell(row)),
          sortValues: columns.map((column) => column.sortValue?.(row) ?? null),
        }))}
      />
    );
  }
  return (
    <ColumnTable
      caption={caption}
      framed={framed}
      columns={columns}
      head={(column) => (
        <TableHead key={column.id} numeric={column.numeric}>
          <ColumnHeader column={column} />
        </TableHead>
      )}
      rows={rows.map((row) => ({
        key: rowKey(row),
        cells: columns.map((column) => column.cell(row)),
      }))}
    />
  );
}
