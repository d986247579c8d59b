import type { ReactNode } from "react";
import { cardClass } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { DataTable } from "@/components/ui/data-table";

/**
 * A chart with its numbers: a figure named by its heading, the chart, and a
 * disclosure ("Show numbers") holding the same data as a table, so a
 * screen reader or keyboard user gets every number the chart draws.
 */
export function ChartFigure(props: {
  id: string;
  title: string;
  description: string;
  chart: ReactNode;
  columns: readonly string[];
  rows: ReadonlyArray<readonly string[]>;
}) {
  const titleId = `${props.id}-title`;
  const descriptionId = `${props.id}-description`;
  return (
    <figure
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      className={cn(cardClass, "p-4")}
    >
      <h2 id={titleId} className="text-base font-semibold">
        {props.title}
      </h2>
      <p id={descriptionId} className="mb-3 text-xs text-slate-600 dark:text-slate-400">
        {props.description}
      </p>
      <div className="insights-chart text-slate-600 dark:text-slate-300">{props.chart}</div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer rounded text-blue-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-700 dark:text-blue-300 dark:focus-visible:outline-blue-400">
          Show numbers
        </summary>
        <div className="mt-2 max-h-72 overflow-y-auto">
          <DataTable
            caption={props.title}
            framed={false}
            columns={props.columns.map((column, index) => ({
              id: column,
              header: column,
              rowHeader: index === 0,
              ...(index === 0 ? {} : { className: "tabular-nums" }),
              cell: (row: readonly string[]) => row[index],
            }))}
            rows={props.rows}
            rowKey={(row) => row[0] ?? ""}
          />
        </div>
      </details>
    </figure>
  );
}
