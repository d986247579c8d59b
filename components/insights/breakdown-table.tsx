import Link from "next/link";
import { type InsightsLinkState, insightsHref } from "@/components/insights/links";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import {
  SortLinkHead,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableRow,
  TableRowHeader,
} from "@/components/ui/table";
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

const COLUMNS: ReadonlyArray<{ sort: BreakdownSort; label: string }> = [
  { sort: "deployments", label: "Deployments" },
  { sort: "leadTime", label: "Lead time (median)" },
  { sort: "changeFailureRate", label: "Change failure rate" },
  { sort: "timeToRestore", label: "Time to restore (median)" },
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
  /** Display names by key; the key (a slug) shows beside a name that differs from it. */
  names?: Readonly<Record<string, string>>;
}) {
  const rows = sortBreakdown(props.rows, props.sort, props.dir);
  const header = (sort: BreakdownSort, label: string) => {
    const active = props.sort === sort;
    return (
      <SortLinkHead
        key={sort}
        label={label}
        sorted={active ? props.dir : false}
        href={insightsHref(props.link, {
          sort,
          dir: active && props.dir === "desc" ? "asc" : "desc",
        })}
      />
    );
  };
  const groupWords = GROUP_WORDS[props.group].toLowerCase();
  return (
    <Card id="breakdown" title={`By ${groupWords}`} padded={false}>
      {rows.length === 0 ? (
        <EmptyState title="Nothing to break down" className="m-4">
          Nothing deployed, merged or failed in this period.
        </EmptyState>
      ) : (
        <Table
          framed={false}
          className="p-2"
          caption={`DORA measures by ${groupWords}, sorted by ${props.sort} ${props.dir === "asc" ? "ascending" : "descending"}`}
        >
          <TableHeader>
            <tr>
              {header("name", GROUP_WORDS[props.group])}
              {COLUMNS.map((column) => header(column.sort, column.label))}
            </tr>
          </TableHeader>
          <TableBody>
            {rows.map((row) => (
              <TableRow key={row.key}>
                <TableRowHeader className="font-medium">
                  <Link
                    href={insightsHref(props.link, { [filterFor(props.group)]: row.key })}
                    className="text-blue-800 hover:underline dark:text-blue-300"
                  >
                    {props.names?.[row.key] ?? row.key}
                  </Link>
                  {props.names?.[row.key] && props.names[row.key] !== row.key ? (
                    <span className="ml-2 font-mono text-xs font-normal text-slate-500 dark:text-slate-400">
                      {row.key}
                    </span>
                  ) : null}
                </TableRowHeader>
                <TableCell className="tabular-nums">
                  {row.deployments}{" "}
                  <span className="text-xs text-slate-500">
                    ({(row.deployments / props.days).toFixed(1)}/day)
                  </span>
                </TableCell>
                <TableCell className="tabular-nums">{seconds(row.leadTimeMedianSeconds)}</TableCell>
                <TableCell className="tabular-nums">
                  {row.changeFailureRate === null
                    ? "—"
                    : `${(row.changeFailureRate * 100).toFixed(1)} % (${row.failures}/${row.changes})`}
                </TableCell>
                <TableCell className="tabular-nums">
                  {seconds(row.timeToRestoreMedianSeconds)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}

const seconds = (value: number | null) => (value === null ? "—" : durationInWords(value));
