import Form from "next/form";
import { CheckboxField, Field, Input, Select } from "@/components/ui/field";
import { FilterActions } from "@/components/ui/filter-form";
import type { CatalogueQuery } from "@/lib/catalogue/catalogue-query";
import { STATUS_FILTERS, type StatusFilter, TIERS } from "@/lib/catalogue/catalogue-query";
import { SelectOptions } from "./select-options";
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

function SelectFilter({
  id,
  name,
  label,
  value,
  any,
  options,
}: {
  id: string;
  name: string;
  label: string;
  value: string | undefined;
  any: string;
  options: readonly { value: string; label: string }[];
}) {
  return (
    <Field id={id} label={label}>
      <Select name={name} defaultValue={value ?? ""}>
        <option value="">{any}</option>
        <SelectOptions options={options.map((option) => [option.value, option.label] as const)} />
      </Select>
    </Field>
  );
}

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
        <Field id="filter-q" label="Search" className="col-span-2 md:col-span-3 xl:col-span-1">
          <Input
            name="q"
            type="search"
            defaultValue={query.q ?? ""}
            placeholder="Name, slug or description"
            autoComplete="off"
          />
        </Field>
        {[
          {
            name: "team",
            label: "Team",
            value: query.team,
            any: "All teams",
            options: choices.teams.map((team) => ({
              value: team.slug,
              label: `${team.name} (${team.applications})`,
            })),
          },
          {
            name: "tier",
            label: "Tier",
            value: query.tier,
            any: "All tiers",
            options: TIERS.map((tier) => ({ value: tier, label: tier })),
          },
          {
            name: "label",
            label: "Label",
            value: query.label,
            any: "Any label",
            options: choices.labels.map((label) => ({
              value: `${label.key}=${label.value}`,
              label: `${label.key}=${label.value} (${label.applications})`,
            })),
          },
          {
            name: "status",
            label: "Status",
            value: query.status,
            any: "Any status",
            options: STATUS_FILTERS.map((status) => ({
              value: status,
              label: STATUS_LABELS[status],
            })),
          },
        ].map((filter) => (
          <SelectFilter key={filter.name} id={`filter-${filter.name}`} {...filter} />
        ))}
        <div className="flex items-end pb-1.5">
          <CheckboxField
            name="differs"
            value="1"
            defaultChecked={Boolean(query.differs)}
            label={<span className="font-normal">Versions differ</span>}
          />
        </div>
        <FilterActions resetHref="/apps">
          {query.sort !== "name" && query.sort !== "relevance" ? (
            <input type="hidden" name="sort" value={query.sort} />
          ) : null}
          {query.dir !== "asc" ? <input type="hidden" name="dir" value={query.dir} /> : null}
          {query.size !== 50 ? <input type="hidden" name="size" value={query.size} /> : null}
          {query.archived ? <input type="hidden" name="archived" value="1" /> : null}
        </FilterActions>
      </div>
    </Form>
  );
}
