import type { LocatedError } from "@/lib/gitops-repo/located";
import { readLocator } from "@/lib/gitops-repo/locator";

/**
 * The `appVersion` of a chart's Chart.yaml: what a chart's `tag: ""` means,
 * since charts use `.Values.image.tag | default .Chart.AppVersion`. null when
 * the chart does not set one. `appVersion: 1.10` reads as "1.10", as written.
 */
export function readChartAppVersion(
  chartYamlText: string,
  file: string,
):
  | { ok: true; value: string | null; line: number; column: number }
  | { ok: false; error: LocatedError } {
  const read = readLocator(chartYamlText, { kind: "yaml", file, path: "appVersion" });
  if (!read.ok) return read;
  return { ok: true, value: read.value, line: read.line, column: read.column };
}

/**
 * The version an empty version place means when the chart is in the
 * repository: its appVersion, or null when the Chart.yaml is not there, sets
 * none or cannot be read (the chart's default, whatever it is, is then
 * unknown here).
 */
export function chartDefaultVersion(
  chartFile: string | undefined,
  files: ReadonlyMap<string, string>,
): string | null {
  const text = chartFile === undefined ? undefined : files.get(chartFile);
  if (chartFile === undefined || text === undefined) return null;
  const read = readChartAppVersion(text, chartFile);
  return read.ok ? read.value : null;
}
