import { cn } from "@/components/ui/cn";
import { SortLinkHead, Table, TableBody, TableHead, TableHeader } from "@/components/ui/table";
import { type CatalogueQuery, catalogueSearch } from "@/lib/catalogue/catalogue-query";
import type { CatalogueEnvironment, CatalogueRow } from "@/lib/catalogue/list-applications";
import { matrixCell } from "./matrix-row";
import { VersionMatrixRows } from "./version-matrix-rows";

type SortField = CatalogueQuery["sort"];

/**
 * The catalogue as a version matrix: one row per application, one column
 * per environment in delivery order. A cell whose version differs from the
 * environment before it is highlighted: that is a release on its way (or
 * stuck) between two stages. Under the version, what the environment's
 * clusters report: sync and health combined over them, or stale.
 *
 * The rows are a client component given only what they show: rendered here
 * as server components, every cell's markup went to the browser twice (the
 * HTML and the React payload describing it), two thirds of the page.
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
        <VersionMatrixRows
          environments={environments.map((environment) => environment.name)}
          rows={rows.map((row) => [
            row.slug,
            row.name,
            row.team.name,
            row.tier,
            environments.map((environment) =>
              matrixCell(
                environment.name in row.versions,
                row.versions[environment.name] ?? null,
                row.status[environment.name] ?? null,
              ),
            ),
          ])}
        />
      </TableBody>
    </Table>
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
