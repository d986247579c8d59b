"use client";

import {
  type ColumnDef,
  createSortedRowModel,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { type ReactNode, useMemo, useState } from "react";
import { compareSortValues, type SortValue } from "./sort-value";
import {
  ariaSort,
  ColumnHeader,
  type ColumnLook,
  ColumnTable,
  SortLabel,
  sortControlClass,
  TableHead,
} from "./table";

export type SortableColumn = ColumnLook & { sortable: boolean };

/** One row, its cells already rendered (on the server) and the values they sort by. */
export interface SortableRow {
  key: string;
  cells: ReactNode[];
  sortValues: SortValue[];
}

const features = tableFeatures({ rowSortingFeature, sortedRowModel: createSortedRowModel() });

/**
 * A table whose sortable columns sort in the browser when their header is
 * pressed (TanStack Table keeps the order); rows without a value go last
 * either way. Each sortable header is a button, and the header says how the
 * table is sorted (`aria-sort`).
 */
export function SortableTable({
  caption,
  columns,
  rows,
  initialSort,
  framed,
}: {
  caption: string;
  columns: SortableColumn[];
  rows: SortableRow[];
  initialSort?: { id: string; desc: boolean };
  framed?: boolean;
}) {
  const [sorting, setSorting] = useState<SortingState>(initialSort ? [initialSort] : []);
  const definitions = useMemo<ColumnDef<typeof features, SortableRow>[]>(
    () =>
      columns.map((column, index) => ({
        id: column.id,
        accessorFn: (row: SortableRow) => row.sortValues[index] ?? undefined,
        enableSorting: column.sortable,
        sortUndefined: "last",
        sortFn: (a, b, id) =>
          compareSortValues(a.getValue<string | number>(id), b.getValue<string | number>(id)),
      })),
    [columns],
  );
  const table = useTable({
    features,
    columns: definitions,
    data: rows,
    state: { sorting },
    onSortingChange: setSorting,
    getRowId: (row) => row.key,
  });
  const sortedBy = new Map(
    table.getHeaderGroups()[0]?.headers.map((header) => [header.column.id, header.column]) ?? [],
  );
  return (
    <ColumnTable
      caption={caption}
      framed={framed}
      columns={columns}
      head={(_look, index) => {
        const column = columns[index];
        const sortColumn = column ? sortedBy.get(column.id) : undefined;
        if (!column) return null;
        const sorted = sortColumn?.getIsSorted() ?? false;
        return (
          <TableHead
            key={column.id}
            numeric={column.numeric}
            aria-sort={column.sortable ? ariaSort(sorted) : undefined}
          >
            {column.sortable && sortColumn ? (
              <button
                type="button"
                onClick={sortColumn.getToggleSortingHandler()}
                className={sortControlClass}
              >
                <SortLabel label={column.header} sorted={sorted} />
              </button>
            ) : (
              <ColumnHeader column={column} />
            )}
          </TableHead>
        );
      }}
      rows={table.getRowModel().rows.map((row) => ({ key: row.id, cells: row.original.cells }))}
    />
  );
}
