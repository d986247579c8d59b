import Link from "next/link";
import { HealthBadge, StaleBadge, SyncBadge } from "@/components/sync/status-badges";
import { TierBadge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { SortLinkHead, Table, TableBody, TableHead, TableHeader } from "@/components/ui/table";
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
      className="version-matrix [&>table]:min-w-[56rem]"
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
          // Cells are styled by .version-matrix in app/globals.css: a page has 50 rows × every environment.
          <tr key={row.slug}>
            <th scope="row">
              {/* No prefetch: 50 links in view would each fetch an application page. */}
              <Link href={`/apps/${row.slug}`} prefetch={false}>
                {row.name}
              </Link>
              <div className="font-mono">{row.slug}</div>
            </th>
            <td className="t">{row.team.name}</td>
            <td>
              <TierBadge tier={row.tier} />
            </td>
            {environments.map((environment, index) => (
              <VersionCell
                key={environment.id}
                row={row}
                environment={environment}
                previous={index > 0 ? environments[index - 1] : undefined}
              />
            ))}
          </tr>
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
      <td className="n">
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
      <td>
        <i>no version</i>
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
    return <p className="q mt-1">no report</p>;
  }
  return (
    <div>
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
