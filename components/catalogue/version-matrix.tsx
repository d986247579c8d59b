import Link from "next/link";
import { HealthBadge, StaleBadge, SyncBadge } from "@/components/sync/status-badges";
import { TierBadge } from "@/components/ui/badge";
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
      caption="Applications, the version each environment should run and what its clusters report. Highlighted versions differ from the previous environment."
      className="[&>table]:min-w-[56rem]"
    >
      <TableHeader>
        <tr>
          <SortableHeader field="name" label="Application" query={query} />
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
                  className="ml-1.5 rounded bg-amber-100 px-1 py-0.5 text-[10px] font-medium normal-case text-amber-900 ring-1 ring-amber-300"
                >
                  frozen
                </span>
              ) : null}
            </TableHead>
          ))}
        </tr>
      </TableHeader>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.slug}>
            <TableRowHeader>
              <Link
                href={`/apps/${row.slug}`}
                className="font-medium text-blue-800 hover:underline"
              >
                {row.name}
              </Link>
              <div className="font-mono text-xs text-slate-500">{row.slug}</div>
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
      <td className="px-3 py-2 align-top text-slate-400">
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
  if (version === null) {
    return (
      <td className="px-3 py-2 align-top text-xs">
        <span className="italic text-slate-500">no version</span>
        <CellStatus status={status} />
      </td>
    );
  }
  return (
    <td
      className={`px-3 py-2 align-top text-xs ${differs ? "bg-amber-100 text-amber-950 dark:bg-amber-900/60 dark:text-amber-100" : "text-slate-800 dark:text-slate-200"}`}
    >
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
    return <div className="mt-1 text-slate-400">no report</div>;
  }
  return (
    <div className="mt-1 flex flex-wrap gap-1">
      {status.stale ? <StaleBadge /> : <SyncBadge state={status.sync} />}
      <HealthBadge health={status.health} />
    </div>
  );
}

function SortableHeader({
  field,
  label,
  query,
}: {
  field: SortField;
  label: string;
  query: CatalogueQuery;
}) {
  const active = query.sort === field;
  const nextDir = active && query.dir === "asc" ? "desc" : "asc";
  return (
    <SortLinkHead
      label={label}
      sorted={active ? query.dir : false}
      href={`/apps${catalogueSearch(query, { sort: field, dir: nextDir, page: 1 })}`}
    />
  );
}
