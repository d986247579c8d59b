import { Field, Select } from "@/components/ui/field";
import { FilterForm, TextFilter } from "@/components/ui/filter-form";
import type { InsightsGroup } from "@/lib/insights/insights-query";

/**
 * Period, grouping and filters of /insights as a plain GET form: the URL
 * holds everything, so a view can be shared and the back button works.
 */
export function InsightsFilters(props: {
  period: string;
  from: string;
  to: string;
  group: InsightsGroup;
  team: string;
  app: string;
  env: string;
  sort: string;
  dir: string;
}) {
  return (
    <FilterForm
      label="Period and filters"
      action="/insights"
      className="mb-6 md:grid-cols-4 xl:grid-cols-8"
    >
      <Field id="insights-period" label="Period">
        <Select name="period" defaultValue={props.period}>
          <option value="7">Last 7 days</option>
          <option value="28">Last 28 days</option>
          <option value="90">Last 90 days</option>
          <option value="custom">Custom (from – to)</option>
        </Select>
      </Field>
      <TextFilter id="insights-from" name="from" label="From" type="date" value={props.from} />
      <TextFilter id="insights-to" name="to" label="To" type="date" value={props.to} />
      <Field id="insights-group" label="Group by">
        <Select name="group" defaultValue={props.group}>
          <option value="team">Team</option>
          <option value="app">Application</option>
          <option value="environment">Environment</option>
        </Select>
      </Field>
      <TextFilter
        id="insights-team"
        name="team"
        label="Team"
        value={props.team}
        placeholder="any"
      />
      <TextFilter
        id="insights-app"
        name="app"
        label="Application"
        value={props.app}
        placeholder="any"
      />
      <TextFilter
        id="insights-env"
        name="env"
        label="Environment"
        value={props.env}
        placeholder="production"
      />
      <input type="hidden" name="sort" value={props.sort} />
      <input type="hidden" name="dir" value={props.dir} />
    </FilterForm>
  );
}
