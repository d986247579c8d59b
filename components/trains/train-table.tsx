import Link from "next/link";
import { DataTable } from "@/components/ui/data-table";

/** What the trains table needs of each train (lib/trains/list-trains' summaries). */
interface TrainRow {
  id: string;
  selection: string;
  requestedBy: string;
  createdAt: string;
  prNumber: number | null;
  applications: number;
  counts: Partial<Record<string, number>>;
}

/** "3 deployed, 1 failed, 396 merged": each state of the train's applications, most first. */
export function countsInWords(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([state, n]) => `${n} ${state.replace("_", " ")}`)
    .join(", ");
}

export function TrainTable({ trains }: { trains: readonly TrainRow[] }) {
  return (
    <DataTable
      caption="Release trains, newest first"
      rows={trains}
      rowKey={(t) => t.id}
      columns={[
        {
          id: "train",
          header: "Train",
          rowHeader: true,
          cell: (t) => (
            <Link href={`/trains/${t.id}`} className="underline">
              {t.selection}
            </Link>
          ),
        },
        { id: "apps", header: "Applications", cell: (t) => t.applications, numeric: true },
        { id: "progress", header: "Progress", cell: (t) => countsInWords(t.counts) },
        { id: "pr", header: "Pull request", cell: (t) => (t.prNumber ? `#${t.prNumber}` : "—") },
        { id: "by", header: "Requested by", cell: (t) => t.requestedBy },
        { id: "at", header: "Requested", cell: (t) => t.createdAt.slice(0, 16).replace("T", " ") },
      ]}
    />
  );
}
