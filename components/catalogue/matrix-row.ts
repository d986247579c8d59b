import type { CatalogueCellStatus } from "@/lib/catalogue/list-applications";
import type { HealthState, SyncState } from "@/lib/sync-status/report";

/**
 * One application of the matrix as it travels to the browser: positions,
 * not named fields, because the page's React payload carries 50 of these,
 * and the field names of every cell were most of its bytes.
 * [slug, name, team, tier, one cell per environment in delivery order].
 */
export type MatrixRow = [
  slug: string,
  name: string,
  team: string,
  tier: string,
  cells: MatrixCell[],
];

/**
 * 0 where the app is not deployed in the environment; otherwise its desired
 * version (null when the environment names none) and what the clusters
 * report: [sync, health, stale as 1 or 0], or 0 when nothing was reported.
 */
export type MatrixCell = 0 | [version: string | null, status: MatrixCellStatus];
export type MatrixCellStatus = 0 | [sync: SyncState, health: HealthState, stale: 0 | 1];

/** A catalogue cell in the matrix's wire form. */
export function matrixCell(
  deployed: boolean,
  version: string | null,
  status: CatalogueCellStatus | null,
): MatrixCell {
  if (!deployed) return 0;
  return [version, status ? [status.sync, status.health, status.stale ? 1 : 0] : 0];
}
