import { Field, Select } from "@/components/ui/field";
import { FilterForm, TextFilter } from "@/components/ui/filter-form";
import type { AuditFilterValues } from "@/lib/audit/get-audit-page";

const TEXT_FILTERS: readonly {
  name: Exclude<keyof AuditFilterValues, "outcome">;
  label: string;
  placeholder: string;
}[] = [
  { name: "app", label: "Application", placeholder: "slug" },
  { name: "team", label: "Team", placeholder: "slug" },
  { name: "env", label: "Environment", placeholder: "e.g. prod" },
  { name: "actor", label: "Actor", placeholder: "name or id" },
  { name: "action", label: "Action", placeholder: "e.g. promotion. or approval.given" },
];

const TIME_FILTERS: typeof TEXT_FILTERS = [
  { name: "from", label: "From (UTC)", placeholder: "2026-11-01" },
  { name: "to", label: "To (UTC)", placeholder: "2026-11-26T12:00" },
  { name: "q", label: "Search details", placeholder: "free text" },
];

/** The timeline's filters as a plain GET form: they live in the URL, so a filtered view is a link. */
export function AuditFilters({
  values,
  action = "/audit",
}: {
  values: AuditFilterValues;
  action?: string;
}) {
  const text = (filter: (typeof TEXT_FILTERS)[number]) => (
    <TextFilter
      key={filter.name}
      id={`audit-${filter.name}`}
      value={values[filter.name]}
      {...filter}
    />
  );
  return (
    <FilterForm label="Filter the audit timeline" action={action} className="md:grid-cols-5">
      {TEXT_FILTERS.map(text)}
      <Field id="audit-outcome" label="Outcome">
        <Select name="outcome" defaultValue={values.outcome ?? ""}>
          <option value="">Any outcome</option>
          <option value="success">success</option>
          <option value="denied">denied</option>
          <option value="failure">failure</option>
        </Select>
      </Field>
      {TIME_FILTERS.map(text)}
    </FilterForm>
  );
}
