import Link from "next/link";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import type { DiscoverySummary } from "@/lib/catalogue/discovery-summary";
import type { ImportReportCell } from "@/lib/catalogue/get-import-report";

type Rule = DiscoverySummary["rules"][number] & { position: number };

const RULE_COLUMNS: DataColumn<Rule>[] = [
  { id: "position", header: "#", numeric: true, cell: (rule) => rule.position },
  {
    id: "rule",
    header: "Rule",
    className: "font-mono text-xs",
    cell: (rule) => rule.label,
  },
  { id: "apps", header: "Apps", numeric: true, cell: (rule) => rule.apps.toLocaleString("en") },
  { id: "cells", header: "Cells", numeric: true, cell: (rule) => rule.cells.toLocaleString("en") },
];

/** Each discovery rule of the last import with what it found: a rule that found nothing shows 0. */
export function DiscoveryRules({ discovery }: { discovery: DiscoverySummary }) {
  return (
    <>
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
        {discovery.layoutFile ? (
          <>
            Read with <code>{discovery.layoutFile}</code>
          </>
        ) : (
          <>No layout file: Gantry's convention, apps/&lt;app&gt;/envs/&lt;env&gt;/values.yaml</>
        )}
        . <code>npm run gantry -- layout check</code> prints the same for a checkout or a URL.
      </p>
      <DataTable
        caption="Discovery rules"
        columns={RULE_COLUMNS}
        rows={discovery.rules.map((rule, index) => ({ ...rule, position: index + 1 }))}
        rowKey={(rule) => String(rule.position)}
      />
    </>
  );
}

const CELL_COLUMNS: DataColumn<ImportReportCell>[] = [
  {
    id: "app",
    header: "Application",
    cell: (cell) => (
      <Link href={`/apps/${cell.app}`} className="underline">
        {cell.app}
      </Link>
    ),
  },
  { id: "environment", header: "Environment", cell: (cell) => cell.environment },
  {
    id: "version",
    header: "Version",
    className: "font-mono text-xs",
    cell: (cell) => cell.version ?? "(empty)",
  },
  {
    id: "locator",
    header: "File and locator",
    className: "font-mono text-xs",
    cell: (cell) => (
      <ul>
        {cell.locators.map((locator) => (
          <li key={locator}>{locator}</li>
        ))}
      </ul>
    ),
  },
];

/** One page of the cells, as `layout check` prints them: the file and where in it the version is. */
export function ImportCellsTable({ cells }: { cells: readonly ImportReportCell[] }) {
  return (
    <DataTable
      caption="Cells: applications × environments"
      columns={CELL_COLUMNS}
      rows={cells}
      rowKey={(cell) => `${cell.app}\u0000${cell.environment}`}
    />
  );
}
