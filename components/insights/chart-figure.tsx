import type { ReactNode } from "react";

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
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h2 id={titleId} className="text-base font-semibold">
        {props.title}
      </h2>
      <p id={descriptionId} className="mb-3 text-xs text-slate-600">
        {props.description}
      </p>
      <div className="insights-chart">{props.chart}</div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer rounded text-blue-800 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-700">
          Show numbers
        </summary>
        <div className="mt-2 max-h-72 overflow-auto">
          <table className="w-full text-left text-xs">
            <caption className="sr-only">{props.title}</caption>
            <thead className="bg-slate-50 text-slate-600">
              <tr>
                {props.columns.map((column) => (
                  <th key={column} scope="col" className="px-2 py-1 font-medium">
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr key={row[0]} className="border-t border-slate-100">
                  {row.map((cell, index) =>
                    index === 0 ? (
                      <th key={props.columns[index]} scope="row" className="px-2 py-1 font-normal">
                        {cell}
                      </th>
                    ) : (
                      <td key={props.columns[index]} className="px-2 py-1 tabular-nums">
                        {cell}
                      </td>
                    ),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
