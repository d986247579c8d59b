import type { ReactNode } from "react";
import { cardClass } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  TableRowHeader,
} from "@/components/ui/table";

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
      <div className="insights-chart">{props.chart}</div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer rounded text-blue-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-700">
          Show numbers
        </summary>
        <Table caption={props.title} framed={false} className="mt-2 max-h-72 overflow-y-auto">
          <TableHeader>
            <tr>
              {props.columns.map((column) => (
                <TableHead key={column}>{column}</TableHead>
              ))}
            </tr>
          </TableHeader>
          <TableBody>
            {props.rows.map((row) => (
              <TableRow key={row[0]}>
                {row.map((cell, index) =>
                  index === 0 ? (
                    <TableRowHeader key={props.columns[index]}>{cell}</TableRowHeader>
                  ) : (
                    <TableCell key={props.columns[index]} className="tabular-nums">
                      {cell}
                    </TableCell>
                  ),
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </details>
    </figure>
  );
}
