import { Badge } from "@/components/ui/badge";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";
import type { ImportRunView } from "@/lib/catalogue/list-imports";

const STATUS_TONE = { succeeded: "success", failed: "danger", running: "info" } as const;

const count = (
  id: string,
  header: string,
  value: (run: ImportRunView) => number,
): DataColumn<ImportRunView> => ({ id, header, numeric: true, sortValue: value, cell: value });

const COLUMNS: DataColumn<ImportRunView>[] = [
  {
    id: "started",
    header: "Started",
    sortValue: (run) => run.startedAt.getTime(),
    cell: (run) => <RelativeTime value={run.startedAt} />,
  },
  {
    id: "status",
    header: "Status",
    sortValue: (run) => run.status,
    cell: (run) => (
      <>
        <Badge tone={STATUS_TONE[run.status as keyof typeof STATUS_TONE] ?? "neutral"}>
          {run.status}
        </Badge>
        {run.error ? (
          <p className="mt-1 text-xs text-red-800 dark:text-red-300">{run.error}</p>
        ) : null}
      </>
    ),
  },
  { id: "trigger", header: "Trigger", sortValue: (run) => run.trigger, cell: (run) => run.trigger },
  {
    id: "took",
    header: "Took",
    numeric: true,
    sortValue: (run) => run.durationMs ?? Number.MAX_SAFE_INTEGER,
    cell: (run) => (run.durationMs === null ? "running" : importDuration(run.durationMs)),
  },
  {
    id: "commit",
    header: "Commit",
    className: "font-mono text-xs",
    cell: (run) => run.commit?.slice(0, 12) ?? "—",
  },
  count("seen", "Seen", (run) => run.appsSeen),
  count("created", "Created", (run) => run.appsCreated),
  count("updated", "Updated", (run) => run.appsUpdated),
  count("archived", "Archived", (run) => run.appsArchived),
  count("problems", "Problems", (run) => run.problemCount),
];

/** "850 ms", "12.4 s", "3 min 5 s": imports take under a second to minutes. */
function importDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Recent import runs, newest first until a header sorts them otherwise. */
export function ImportRunTable({ runs }: { runs: readonly ImportRunView[] }) {
  return (
    <DataTable
      caption="Recent import runs"
      columns={COLUMNS}
      rows={runs}
      rowKey={(run) => run.id}
      initialSort={{ id: "started", desc: true }}
    />
  );
}
