/** The timeline's filters as a plain GET form: they live in the URL, so a filtered view is a link. */
export interface AuditFilterValues {
  app?: string;
  team?: string;
  env?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  from?: string;
  to?: string;
  q?: string;
}

const FIELD = "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
const LABEL = "mb-1 block text-xs font-medium text-slate-700";

function TextFilter({
  name,
  label,
  value,
  placeholder,
}: {
  name: keyof AuditFilterValues;
  label: string;
  value: string | undefined;
  placeholder?: string;
}) {
  return (
    <div>
      <label htmlFor={`audit-${name}`} className={LABEL}>
        {label}
      </label>
      <input
        id={`audit-${name}`}
        name={name}
        defaultValue={value ?? ""}
        placeholder={placeholder}
        className={FIELD}
      />
    </div>
  );
}

export function AuditFilters({
  values,
  action = "/audit",
}: {
  values: AuditFilterValues;
  action?: string;
}) {
  return (
    <search aria-label="Filter the audit timeline">
      <form method="get" action={action} className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-5">
        <TextFilter name="app" label="Application" value={values.app} placeholder="slug" />
        <TextFilter name="team" label="Team" value={values.team} placeholder="slug" />
        <TextFilter name="env" label="Environment" value={values.env} placeholder="e.g. prod" />
        <TextFilter name="actor" label="Actor" value={values.actor} placeholder="name or id" />
        <TextFilter
          name="action"
          label="Action"
          value={values.action}
          placeholder="e.g. promotion. or approval.given"
        />
        <div>
          <label htmlFor="audit-outcome" className={LABEL}>
            Outcome
          </label>
          <select
            id="audit-outcome"
            name="outcome"
            defaultValue={values.outcome ?? ""}
            className={FIELD}
          >
            <option value="">Any outcome</option>
            <option value="success">success</option>
            <option value="denied">denied</option>
            <option value="failure">failure</option>
          </select>
        </div>
        <TextFilter name="from" label="From (UTC)" value={values.from} placeholder="2026-11-01" />
        <TextFilter name="to" label="To (UTC)" value={values.to} placeholder="2026-11-26T12:00" />
        <TextFilter name="q" label="Search details" value={values.q} placeholder="free text" />
        <div className="flex items-end gap-2">
          <button
            type="submit"
            className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800"
          >
            Apply
          </button>
          <a
            href={action}
            className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100"
          >
            Reset
          </a>
        </div>
      </form>
    </search>
  );
}
