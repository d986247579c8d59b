import Link from "next/link";
import { PromotionStateBadge } from "@/components/promotion/state-badge";
import { type DataColumn, DataTable } from "@/components/ui/data-table";
import { RelativeTime } from "@/components/ui/relative-time";
import type { PromotionSummary } from "@/lib/promotion/dto";

const COLUMNS: DataColumn<PromotionSummary>[] = [
  {
    id: "promotion",
    header: "Promotion",
    rowHeader: true,
    cell: (p) => (
      <Link
        href={`/promotions/${p.id}`}
        className="font-medium text-blue-800 hover:underline dark:text-blue-300"
      >
        {p.application.slug} → {p.toEnvironment.name}
      </Link>
    ),
  },
  {
    id: "version",
    header: "Version",
    className: "font-mono text-xs",
    cell: (p) => `${p.previousVersion} → ${p.version}`,
  },
  { id: "state", header: "State", cell: (p) => <PromotionStateBadge state={p.state} /> },
  { id: "requested-by", header: "Requested by", cell: (p) => p.requestedBy.name },
  {
    id: "pull-request",
    header: "Pull request",
    cell: (p) => (p.prNumber ? `#${p.prNumber}` : "—"),
  },
  {
    id: "requested",
    header: "Requested",
    cell: (p) => <RelativeTime value={new Date(p.createdAt)} />,
  },
];

/** A page of promotions, newest first (the order is the server's: the list is paged). */
export function PromotionTable({ promotions }: { promotions: readonly PromotionSummary[] }) {
  return (
    <DataTable
      caption="Promotions, newest first"
      columns={COLUMNS}
      rows={promotions}
      rowKey={(p) => p.id}
    />
  );
}
