import Form from "next/form";
import type { CatalogueQuery } from "@/lib/catalogue/catalogue-query";
import { STATUS_FILTERS, type StatusFilter, TIERS } from "@/lib/catalogue/catalogue-query";
import { SubmitOnChange } from "./submit-on-change";

export interface FilterChoices {
  teams: { slug: string; name: string; applications: number }[];
  labels: { key: string; value: string; applications: number }[];
}

const STATUS_LABELS: Record<StatusFilter, string> = {
  "out-of-sync": "Out of sync",
  degraded: "Degraded",
  stale: "Stale",
};

const field =
  "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-xs";

/**
 * The catalogue's filters as a plain GET form: the URL is the state, so a
 * filtered view is a shareable link and works without JavaScript; with
 * JavaScript, next/form navigates client-side and selects apply on change.
 */
export function CatalogueFilters({
  query,
  choices,
}: {
  query: CatalogueQuery;
  choices: FilterChoices;
}) {
  return (
    <Form action="/apps" role="search" aria-label="Filter applications" className="mb-4">
      <SubmitOnChange />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-[2fr_1fr_1fr_1.5fr_1fr_auto_auto]">
        <div className="col-span-2 md:col-span-3 xl:col-span-1">
          <label htmlFor="filter-q" className="mb-1 block text-xs font-medium text-slate-700">
            Search
          </label>
          <input
            id="filter-q"
            name="q"
            type="search"
            defaultValue={query.q ?? ""}
            placeholder="Name, slug or description"
            className={field}
            autoComplete="off"
          />
        </div>
        <div>
          <label htmlFor="filter-team" className="mb-1 block text-xs font-medium text-slate-700">
            Team
          </label>
          <select id="filter-team" name="team" defaultValue={query.team ?? ""} className={field}>
            <option value="">All teams</option>
            {choices.teams.map((team) => (
              <option key={team.slug} value={team.slug}>
                {team.name} ({team.applications})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-tier" className="mb-1 block text-xs font-medium text-slate-700">
            Tier
          </label>
          <select id="filter-tier" name="tier" defaultValue={query.tier ?? ""} className={field}>
            <option value="">All tiers</option>
            {TIERS.map((tier) => (
              <option key={tier} value={tier}>
                {tier}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-label" className="mb-1 block text-xs font-medium text-slate-700">
            Label
          </label>
          <select id="filter-label" name="label" defaultValue={query.label ?? ""} className={field}>
            <option value="">Any label</option>
            {choices.labels.map((label) => (
              <option key={`${label.key}=${label.value}`} value={`${label.key}=${label.value}`}>
                {label.key}={label.value} ({label.applications})
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="filter-status" className="mb-1 block text-xs font-medium text-slate-700">
            Status
          </label>
          <select
            id="filter-status"
            name="status"
            defaultValue={query.status ?? ""}
            className={field}
          >
            <option value="">Any status</option>
            {STATUS_FILTERS.map((status) => (
              <option key={status} value={status}>
                {STATUS_LABELS[status]}
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-end pb-1.5">
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              name="differs"
              value="1"
              defaultChecked={Boolean(query.differs)}
              className="size-4 rounded border-slate-300"
            />
            Versions differ
          </label>
        </div>
        <div className="flex items-end gap-2">
          {query.sort !== "name" ? <input type="hidden" name="sort" value={query.sort} /> : null}
          {query.dir !== "asc" ? <input type="hidden" name="dir" value={query.dir} /> : null}
          {query.size !== 50 ? <input type="hidden" name="size" value={query.size} /> : null}
          {query.archived ? <input type="hidden" name="archived" value="1" /> : null}
          <button
            type="submit"
            className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800"
          >
            Apply
          </button>
          <a
            href="/apps"
            className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100"
          >
            Reset
          </a>
        </div>
      </div>
    </Form>
  );
}
