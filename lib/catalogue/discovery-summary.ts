import { z } from "zod";
import type { Discovery } from "@/lib/gitops-repo/discovery/discover";

/** At most this many rules are kept per import: a layout file lists a few. */
const MAX_RULES = 100;

/**
 * What one import's discovery rules found, as stored on CatalogImport.discovery:
 * small whatever the fleet (one entry per rule), so every import keeps its own.
 */
export const DiscoverySummary = z.object({
  /** The layout file read; null when the repository has none (Gantry's convention). */
  layoutFile: z.string().max(1000).nullable(),
  rules: z
    .array(
      z.object({
        label: z.string().max(1000),
        apps: z.number().int().min(0),
        cells: z.number().int().min(0),
      }),
    )
    .max(MAX_RULES),
});
export type DiscoverySummary = z.infer<typeof DiscoverySummary>;

/** Per rule, in the layout's order: how many apps and (app, environment) cells it yielded. */
export function summariseDiscovery(
  layoutFile: string | null,
  discovery: Pick<Discovery, "rules" | "applications">,
): DiscoverySummary {
  const rules = discovery.rules.slice(0, MAX_RULES).map((label) => ({
    label: label.slice(0, 1000),
    apps: new Set<string>(),
    cells: 0,
  }));
  const byLabel = new Map(rules.map((rule) => [rule.label, rule]));
  for (const app of discovery.applications) {
    for (const target of app.targets) {
      const rule = byLabel.get(target.rule);
      if (!rule) continue;
      rule.apps.add(app.slug);
      rule.cells += 1;
    }
  }
  return {
    layoutFile,
    rules: rules.map((rule) => ({ label: rule.label, apps: rule.apps.size, cells: rule.cells })),
  };
}
