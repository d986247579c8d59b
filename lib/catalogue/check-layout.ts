import type { LocatedError } from "@/lib/gitops-repo/located";
import { describeLocator } from "@/lib/gitops-repo/locator";
import { decodeUtf8Strict } from "@/lib/gitops-repo/utf8";
import { type DiscoverySummary, summariseDiscovery } from "./discovery-summary";
import { readAdoptedRepository } from "./read-adopted-repository";

/** What the import would find, for a person adopting a repository: every cell, every skipped file. */
export interface LayoutReport {
  /** The layout file read, or null when the repository has none (Gantry's convention). */
  layoutFile: string | null;
  environments: string[];
  /** Each discovery rule with how many apps and cells it found, in the layout's order. */
  rules: DiscoverySummary["rules"];
  cells: {
    app: string;
    environment: string;
    /** null when the place is empty: the chart's default runs, and the chart is not in the repository. */
    version: string | null;
    /** false when the cell's file could not be read; it is then also under skipped. */
    read: boolean;
    locators: string[];
    rule: string;
  }[];
  skipped: {
    file: string;
    app: string | null;
    line: number | null;
    column: number | null;
    reason: string;
  }[];
}

/** The layout a repository without gantry.yaml is read with: Gantry's own convention. */
const CONVENTION_LAYOUT = "discovery:\n  - kind: convention\n";

/**
 * Runs the discovery rules over one tree without writing anything: the
 * preview behind `gantry layout check`. A broken layout or environments
 * file comes back located, as the import would refuse it.
 */
export async function checkLayout(params: {
  layoutFile: string;
  paths: readonly string[];
  /**
   * The files' contents: text from a reader that decodes (the Git provider),
   * or bytes (a checkout, a clone), which are decoded strictly here.
   */
  read: (paths: readonly string[]) => Promise<ReadonlyMap<string, string | Uint8Array>>;
}): Promise<{ ok: true; report: LayoutReport } | { ok: false; error: LocatedError }> {
  const present = params.paths.includes(params.layoutFile);
  const undecodable = new Map<string, LocatedError>();
  const read = async (wanted: readonly string[]) => {
    const texts = new Map<string, string>();
    for (const [file, content] of await params.read(wanted)) {
      if (typeof content === "string") {
        texts.set(file, content);
        continue;
      }
      const decoded = decodeUtf8Strict(content, file);
      if (decoded.ok) {
        texts.set(file, decoded.text);
        continue;
      }
      // The rules see what the import sees for such a file (the Git provider's lenient
      // text, U+FFFD where the bytes were) so they skip it the same way; the report
      // then names the byte as the strict decoder found it.
      undecodable.set(file, decoded.error);
      texts.set(file, new TextDecoder("utf-8", { ignoreBOM: true }).decode(content));
    }
    return texts;
  };
  const adopted = await readAdoptedRepository({
    layoutFile: params.layoutFile,
    layoutText: present ? undefined : CONVENTION_LAYOUT,
    paths: params.paths,
    read,
  });
  if (!adopted.ok) {
    const strict = undecodable.get(adopted.error.file);
    return strict ? { ok: false, error: strict } : adopted;
  }
  const { discovery, snapshot } = adopted.value;
  const versions = new Map(
    snapshot.applications.flatMap((app) =>
      app.targets.map((t) => [`${app.slug}\u0000${t.environment}`, t.version] as const),
    ),
  );
  return {
    ok: true,
    report: {
      layoutFile: present ? params.layoutFile : null,
      environments: snapshot.environments.map((e) => e.name),
      rules: summariseDiscovery(null, discovery).rules,
      cells: discovery.applications.flatMap((app) =>
        app.targets.map((target) => ({
          app: app.slug,
          environment: target.environment,
          version: versions.get(`${app.slug}\u0000${target.environment}`) ?? null,
          read: versions.has(`${app.slug}\u0000${target.environment}`),
          locators: target.locators.map(describeLocator),
          rule: target.rule,
        })),
      ),
      skipped: snapshot.problems.map((p) => {
        // Only the rules' own "not valid UTF-8" gives way: a file may be skipped for another reason.
        const strict = /not valid UTF-8/.test(p.message) ? undecodable.get(p.file) : undefined;
        return strict
          ? {
              file: p.file,
              app: p.applicationSlug,
              line: strict.line,
              column: strict.column,
              reason: strict.message,
            }
          : {
              file: p.file,
              app: p.applicationSlug,
              line: p.line,
              column: p.column,
              reason: p.message,
            };
      }),
    },
  };
}

/** The report as the command line prints it. */
export function formatLayoutReport(report: LayoutReport): string {
  const lines = [
    `layout: ${report.layoutFile ?? "none (Gantry's convention: apps/<app>/envs/<env>/values.yaml)"}`,
    `environments: ${report.environments.join(", ")}`,
    `rules (${report.rules.length}):`,
    ...report.rules.map(
      (rule, index) =>
        `  ${index + 1}. ${rule.label}: ${count(rule.apps, "app")}, ${count(rule.cells, "cell")}`,
    ),
    `cells (${report.cells.length}):`,
  ];
  const width = Math.max(0, ...report.cells.map((c) => `${c.app} ${c.environment}`.length));
  for (const cell of report.cells) {
    const name = `${cell.app} ${cell.environment}`.padEnd(width);
    const version = !cell.read ? "(not read, see skipped)" : (cell.version ?? "chart default");
    lines.push(`  ${name}  ${version}  ${cell.locators.join(" + ")}`);
  }
  lines.push(`skipped (${report.skipped.length}):`);
  for (const skip of report.skipped) {
    const where = skip.line !== null ? `${skip.file}:${skip.line}:${skip.column}` : skip.file;
    lines.push(`  ${where}: ${skip.reason}`);
  }
  return `${lines.join("\n")}\n`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-GB")} ${noun}${n === 1 ? "" : "s"}`;
}
