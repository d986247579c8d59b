"use client";

import Link from "next/link";
import { HealthBadge, StaleBadge, SyncBadge } from "@/components/sync/status-badges";
import { TierBadge } from "@/components/ui/badge";
import type { MatrixCell, MatrixCellStatus, MatrixRow } from "./matrix-row";

/**
 * The version matrix's rows. Styled by `.version-matrix` in app/globals.css
 * (by element, one class per state) instead of utilities on each of the
 * page's hundreds of cells.
 */
export function VersionMatrixRows({
  environments,
  rows,
}: {
  /** Environment names in delivery order, one per cell (the ≠ mark names the one before). */
  environments: string[];
  rows: MatrixRow[];
}) {
  return rows.map(([slug, name, team, tier, cells]) => (
    <tr key={slug}>
      <th scope="row">
        {/* No prefetch: 50 links in view would each fetch an application page. */}
        <Link href={`/apps/${slug}`} prefetch={false}>
          {name}
        </Link>
        <div className="font-mono">{slug}</div>
      </th>
      <td className="t">{team}</td>
      <td>
        <TierBadge tier={tier} />
      </td>
      {cells.map((cell, index) => (
        <VersionCell
          // biome-ignore lint/suspicious/noArrayIndexKey: one cell per environment, in a fixed order
          key={index}
          cell={cell}
          previous={
            index > 0 ? { name: environments[index - 1] ?? "", cell: cells[index - 1] } : null
          }
        />
      ))}
    </tr>
  ));
}

function VersionCell({
  cell,
  previous,
}: {
  cell: MatrixCell;
  previous: { name: string; cell: MatrixCell | undefined } | null;
}) {
  if (cell === 0) {
    return (
      <td className="n">
        <span aria-hidden="true">—</span>
        <span className="sr-only">not deployed</span>
      </td>
    );
  }
  const [version, status] = cell;
  const before = previous?.cell ? previous.cell[0] : undefined;
  const differs = before !== undefined && before !== version;
  // The file sets no version here (`tag: ""`, a missing key): the chart decides, from outside the repository.
  if (version === null) {
    return (
      <td>
        <i>chart default</i>
        <CellStatus status={status} />
      </td>
    );
  }
  return (
    <td className={differs ? "d" : undefined}>
      {/* A mark and a border as well as the colour: colour is never the only signal. */}
      {differs ? (
        <b aria-hidden="true" title={`differs from ${previous?.name}`}>
          ≠
        </b>
      ) : null}
      <code>{version}</code>
      {differs ? (
        <span className="sr-only">{` (differs from ${previous?.name}: ${before ?? "none"})`}</span>
      ) : null}
      <CellStatus status={status} />
    </td>
  );
}

/** Stale replaces the sync state: Gantry does not claim a sync it has not heard recently. */
function CellStatus({ status }: { status: MatrixCellStatus }) {
  if (status === 0) {
    return <p className="q mt-1">no report</p>;
  }
  const [sync, health, stale] = status;
  return (
    // The space keeps the words apart in the cell's text (copied, or read as text), not only on screen.
    <div>
      {stale ? <StaleBadge /> : <SyncBadge state={sync} />} <HealthBadge health={health} />
    </div>
  );
}
