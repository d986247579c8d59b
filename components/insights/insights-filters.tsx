import type { InsightsGroup } from "@/lib/insights/insights-query";

const FIELD = "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
const LABEL = "mb-1 block text-xs font-medium text-slate-700";

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
    <search aria-label="Period and filters">
      <form
        method="get"
        action="/insights"
        className="mb-6 grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-8"
      >
        <div>
          <label htmlFor="insights-period" className={LABEL}>
            Period
          </label>
          <select id="insights-period" name="period" defaultValue={props.period} className={FIELD}>
            <option value="7">Last 7 days</option>
            <option value="28">Last 28 days</option>
            <option value="90">Last 90 days</option>
            <option value="custom">Custom (from – to)</option>
          </select>
        </div>
        <div>
          <label htmlFor="insights-from" className={LABEL}>
            From
          </label>
          <input
            id="insights-from"
            name="from"
            type="date"
            defaultValue={props.from}
            className={FIELD}
          />
        </div>
        <div>
          <label htmlFor="insights-to" className={LABEL}>
            To
          </label>
          <input id="insights-to" name="to" type="date" defaultValue={props.to} className={FIELD} />
        </div>
        <div>
          <label htmlFor="insights-group" className={LABEL}>
            Group by
          </label>
          <select id="insights-group" name="group" defaultValue={props.group} className={FIELD}>
            <option value="team">Team</option>
            <option value="app">Application</option>
            <option value="environment">Environment</option>
          </select>
        </div>
        <div>
          <label htmlFor="insights-team" className={LABEL}>
            Team
          </label>
          <input
            id="insights-team"
            name="team"
            defaultValue={props.team}
            placeholder="any"
            className={FIELD}
          />
        </div>
        <div>
          <label htmlFor="insights-app" className={LABEL}>
            Application
          </label>
          <input
            id="insights-app"
            name="app"
            defaultValue={props.app}
            placeholder="any"
            className={FIELD}
          />
        </div>
        <div>
          <label htmlFor="insights-env" className={LABEL}>
            Environment
          </label>
          <input
            id="insights-env"
            name="env"
            defaultValue={props.env}
            placeholder="production"
            className={FIELD}
          />
        </div>
        <div className="flex items-end gap-2">
          <input type="hidden" name="sort" value={props.sort} />
          <input type="hidden" name="dir" value={props.dir} />
          <button
            type="submit"
            className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800"
          >
            Apply
          </button>
          <a
            href="/insights"
            className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100"
          >
            Reset
          </a>
        </div>
      </form>
    </search>
  );
}
