import Link from "next/link";
import { type InsightsLinkState, insightsHref } from "@/components/insights/links";
import { durationInWords } from "@/lib/insights/dora-bands";
import type { MeasuresRow } from "@/lib/insights/dora-measures";
import type { BreakdownSort, InsightsGroup } from "@/lib/insights/insights-query";

const GROUP_WORDS: Record<InsightsGroup, string> = {
  team: "Team",
  app: "Application",
  environment: "Environment",
};

const SORT_VALUE: Record<BreakdownSort, (row: MeasuresRow) => number | string | null> = {
  name: (row) => row.key,
  deployments: (row) => row.deployments,
  leadTime: (row) => row.leadTimeMedianSeconds,
  changeFailureRate: (row) => row.changeFailureRate,
  timeToRestore: (row) => row.timeToRestoreMedianSeconds,
};

/** Rows sorted by a measure; rows without a value for it go last either way. */
function sortBreakdown(
  rows: readonly MeasuresRow[],
  sort: BreakdownSort,
  dir: "asc" | "desc",
): MeasuresRow[] {
  const value = SORT_VALUE[sort];
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null && y === null) return a.key.localeCompare(b.key);
    if (x === null) return 1;
    if (y === null) return -1;
    const order =
      typeof x === "string" || typeof y === "string" ? String(x).localeCompare(String(y)) : x - y;
    return (dir === "asc" ? order : -order) || a.key.localeCompare(b.key);
  });
}

const COLUMNS: ReadonlyArray<{ sort: BreakdownSort; label: string; numeric: boolean }> = [
  { sort: "deployments", label: "Deployments", numeric: true },
  { sort: "leadTime", label: "Lead time (median)", numeric: true },
  { sort: "changeFailureRate", label: "Change failure rate", numeric: true },
  { sort: "timeToRestore", label: "Time to restore (median)", numeric: true },
];

function filterFor(group: InsightsGroup): "team" | "app" | "env" {
  return group === "environment" ? "env" : group;
}

/** The measures per team, application or environment, sortable by each measure (links, so the sort is in the URL). */
export function BreakdownTable(props: {
  rows: readonly MeasuresRow[];
  group: InsightsGroup;
  sort: BreakdownSort;
  dir: "asc" | "desc";
  days: number;
  link: InsightsLinkState;
}) {
  const rows = sortBreakdown(props.rows, props.sort, props.dir);
  const header = (sort: BreakdownSort, label: string) => {
    const active = props.sort === sort;
    const next = active && props.dir === "desc" ? "asc" : "desc";
    return (
      <th
        key={sort}
        scope="col"
        aria-sort={active ? (props.dir === "asc" ? "ascending" : "descending") : "none"}
        className="px-3 py-2 font-medium"
      >
        <Link
          href={insightsHref(props.link, { sort, dir: next })}
          className="inline-flex items-center gap-1 hover:underline"
        >
          {label}
          <span aria-hidden="true">{active ? (props.dir === "asc" ? "▲" : "▼") : ""}</span>
          <span className="sr-only">
            {active ? `, sorted ${props.dir === "asc" ? "ascending" : "descending"}` : ", sort"}
          </span>
        </Link>
      </th>
    );
  };
  return (
    <section
      aria-labelledby="breakdown-title"
      className="rounded-lg border border-slate-200 bg-white"
    >
      <h2 id="breakdown-title" className="px-4 pt-4 text-base font-semibold">
        By {GROUP_WORDS[props.group].toLowerCase()}
      </h2>
      {rows.length === 0 ? (
        <p className="p-4 text-sm text-slate-600">
          Nothing deployed, merged or failed in this period.
        </p>
      ) : (
        <div className="overflow-x-auto p-2">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">
              DORA measures by {GROUP_WORDS[props.group].toLowerCase()}, sorted by {props.sort}{" "}
              {props.dir === "asc" ? "ascending" : "descending"}
            </caption>
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                {header("name", GROUP_WORDS[props.group])}
                {COLUMNS.map((column) => header(column.sort, column.label))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key} className="border-t border-slate-100">
                  <th scope="row" className="px-3 py-2 font-medium">
                    <Link
                      href={insightsHref(props.link, { [filterFor(props.group)]: row.key })}
                      className="text-blue-800 hover:underline"
                    >
                      {row.key}
                    </Link>
                  </th>
                  <td className="px-3 py-2 tabular-nums">
                    {row.deployments}{" "}
                    <span className="text-xs text-slate-500">
                      ({(row.deployments / props.days).toFixed(1)}/day)
                    </span>
                  </td>
                  <td className="px-3 py-2 tabular-nums">
                    {row.leadTimeMedianSeconds === null
                      ? "—"
                      : durationInWords(row.leadTimeMedianSeconds)}
                  </td>
                  <td className="px-3 py-2 tabular-nums">
                    {row.changeFailureRate === null
                      ? "—"
                      : `${(row.changeFailureRate * 100).toFixed(1)} % (${row.failures}/${row.changes})`}
                  </td>
                  <td className="px-3 py-2 tabular-nums">
                    {row.timeToRestoreMedianSeconds === null
                      ? "—"
                      : durationInWords(row.timeToRestoreMedianSeconds)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
