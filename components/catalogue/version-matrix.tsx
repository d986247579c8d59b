import Link from "next/link";
import { HealthBadge, StaleBadge, SyncBadge } from "@/components/sync/status-badges";
import { TierBadge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import {
  SortLinkHead,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  TableRowHeader,
} from "@/components/ui/table";
import { type CatalogueQuery, catalogueSearch } from "@/lib/catalogue/catalogue-query";
import type {
  CatalogueCellStatus,
  CatalogueEnvironment,
  CatalogueRow,
} from "@/lib/catalogue/list-applications";

type SortField = CatalogueQuery["sort"];

/**
 * The catalogue as a version matrix: one row per application, one column
 * per environment in delivery order. A cell whose version differs from the
 * environment before it is highlighted: that is a release on its way (or
 * stuck) between two stages. Under the version, what the environment's
 * clusters report: sync and health combined over them, or stale.
 */
export function VersionMatrix({
  rows,
  environments,
  query,
  frozen = {},
}: {
  rows: CatalogueRow[];
  environments: CatalogueEnvironment[];
  query: CatalogueQuery;
  /** Frozen environments by name, with their freeze message ("prod is frozen until …"), for a badge. */
  frozen?: Readonly<Record<string, string>>;
}) {
  return (
    <Table
      caption="Applications, the version each environment should run and what its clusters report. Versions marked ≠ differ from the previous environment."
      className="[&>table]:min-w-[56rem]"
    >
      <TableHeader>
        <tr>
          <SortableHeader field="name" label="Application" query={query} sticky />
          <SortableHeader field="team" label="Team" query={query} />
          <SortableHeader field="tier" label="Tier" query={query} />
          {environments.map((environment) => (
            <TableHead key={environment.id}>
              <abbr title={environment.displayName} className="no-underline">
                {environment.name}
              </abbr>
              {frozen[environment.name] ? (
                <span
                  title={frozen[environment.name]}
                  className="ml-1.5 rounded bg-amber-100 px-1 py-0.5 text-[10px] font-medium normal-case text-amber-900 ring-1 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-800"
                >
                  <span aria-hidden="true">❄ </span>frozen
                </span>
              ) : null}
            </TableHead>
          ))}
        </tr>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.slug}>
            <TableRowHeader className={STICKY_COLUMN}>
              <Link
                href={`/apps/${row.slug}`}
                className="font-medium text-blue-800 hover:underline dark:text-blue-300"
              >
                {row.name}
              </Link>
              <div className="font-mono text-xs text-slate-500 dark:text-slate-400">{row.slug}</div>
            </TableRowHeader>
            <TableCell className="text-slate-700 dark:text-slate-300">{row.team.name}</TableCell>
            <TableCell>
              <TierBadge tier={row.tier} />
            </TableCell>
            {environments.map((environment, index) => (
              <VersionCell
                key={environment.id}
                row={row}
                environment={environment}
                previous={index > 0 ? environments[index - 1] : undefined}
              />
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function VersionCell({
  row,
  environment,
  previous,
}: {
  row: CatalogueRow;
  environment: CatalogueEnvironment;
  previous: CatalogueEnvironment | undefined;
}) {
  if (!(environment.name in row.versions)) {
    return (
      <td className="px-3 py-2 align-top text-slate-500 dark:text-slate-400">
        <span aria-hidden="true">—</span>
        <span className="sr-only">not deployed</span>
      </td>
    );
  }
  const version = row.versions[environment.name] ?? null;
  const before =
    previous && previous.name in row.versions ? row.versions[previous.name] : undefined;
  const differs = before !== undefined && before !== version;
  const status = row.status[environment.name] ?? null;
  // The file sets no version here (`tag: ""`, a missing key): the chart decides, from outside the repository.
  if (version === null) {
    return (
      <td className="px-3 py-2 align-top text-xs">
        <span className="italic text-slate-600 dark:text-slate-400">chart default</span>
        <CellStatus status={status} />
      </td>
    );
  }
  return (
    <td
      className={`px-3 py-2 align-top text-xs ${differs ? "border-l-4 border-amber-500 bg-amber-100 text-amber-950 dark:border-amber-400 dark:bg-amber-900/60 dark:text-amber-100" : "text-slate-800 dark:text-slate-200"}`}
    >
      {/* A mark and a border as well as the colour: colour is never the only signal. */}
      {differs ? (
        <span
          aria-hidden="true"
          title={`differs from ${previous?.name}`}
          className="mr-1 font-bold"
        >
          ≠
        </span>
      ) : null}
      <span className="font-mono">{version}</span>
      {differs ? (
        <span className="sr-only">
          {" "}
          (differs from {previous?.name}: {before ?? "none"})
        </span>
      ) : null}
      <CellStatus status={status} />
    </td>
  );
}

/** Stale replaces the sync state: Gantry does not claim a sync it has not heard recently. */
function CellStatus({ status }: { status: CatalogueCellStatus | null }) {
  if (!status) {
    return <div className="mt-1 text-slate-500 dark:text-slate-400">no report</div>;
  }
  return (
    <div className="mt-1 flex flex-wrap gap-1">
      {status.stale ? <StaleBadge /> : <SyncBadge state={status.sync} />}
      <HealthBadge health={status.health} />
    </div>
  );
}

/**
 * The application column stays in view while a narrow window scrolls the
 * environments sideways; it needs a ground of its own to hide what passes under it.
 */
const STICKY_COLUMN =
  "sticky left-0 z-10 bg-white shadow-[1px_0_0_var(--color-slate-200)] dark:bg-slate-900 dark:shadow-[1px_0_0_var(--color-slate-700)]";

function SortableHeader({
  field,
  label,
  query,
  sticky = false,
}: {
  field: SortField;
  label: string;
  query: CatalogueQuery;
  sticky?: boolean;
}) {
  const active = query.sort === field;
  const nextDir = active && query.dir === "asc" ? "desc" : "asc";
  return (
    <SortLinkHead
      label={label}
      sorted={active ? query.dir : false}
      href={`/apps${catalogueSearch(query, { sort: field, dir: nextDir, page: 1 })}`}
      className={sticky ? cn(STICKY_COLUMN, "bg-slate-50 dark:bg-slate-800") : undefined}
    />
  );
}
