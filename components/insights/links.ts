/** What /insights' URL holds (the parsed query, as strings). */
export interface InsightsLinkState {
  period?: string;
  from?: string;
  to?: string;
  group?: string;
  team?: string;
  app?: string;
  env?: string;
  sort?: string;
  dir?: string;
}

const DEFAULTS: Record<string, string> = { group: "team", sort: "deployments", dir: "desc" };

/** /insights with `state` changed by `change`; defaults and empty values stay out of the URL. */
export function insightsHref(state: InsightsLinkState, change: InsightsLinkState = {}): string {
  const merged: InsightsLinkState = { ...state, ...change };
  if (change.period !== undefined && change.period !== "custom") {
    merged.from = undefined;
    merged.to = undefined;
  }
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === "" || DEFAULTS[key] === value) continue;
    params.set(key, value);
  }
  const search = params.toString();
  return `/insights${search ? `?${search}` : ""}`;
}
