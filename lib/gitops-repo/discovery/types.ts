import type { VersionLocator } from "@/lib/gitops-repo/locator";
import type { OverridePlace } from "@/lib/gitops-repo/override";

/** Metadata a rule read from the discovered object itself (app.yaml, labels, annotations). */
interface DiscoveredMetadata {
  name?: string;
  team?: string;
  description?: string;
  tier?: string;
  chart?: string;
  links?: { title: string; url: string }[];
  labels?: Record<string, string>;
}

/** One (application, environment) found by a rule, with where its version lives. */
export interface DiscoveredCell {
  app: string;
  /** As the repository names it; mapped to an environment (aliases included) by `discover`. */
  environment: string;
  /** The first locator's value is the cell's version; the others move with it. */
  locators: VersionLocator[];
  /** Path segments a template matched: `{team}` → "payments". */
  captures: Record<string, string>;
  /** Labels and annotations of the object that declared the cell (Argo CD Application, say). */
  objectLabels: Record<string, string>;
  objectAnnotations: Record<string, string>;
  metadata: DiscoveredMetadata;
  /** The file that declared the cell, for conflicts and the layout report. */
  declaredIn: string;
  /**
   * The Chart.yaml of the chart the cell deploys, when the chart is in this
   * repository: an empty version (`tag: ""`) means its appVersion.
   */
  chartFile?: string;
  /**
   * When the file that decides the version is not the environment's own (a
   * shared values file, a Flux base): where the environment's own version
   * would be written instead.
   */
  override?: OverridePlace;
}

/** A file a rule could not use; line and column are 1-based when known. */
export interface DiscoveryProblem {
  app: string | null;
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

interface DiscoveryInput {
  /** Every file path of the commit. */
  paths: readonly string[];
  /** The contents of the files the rules asked for (absent when unreadable or not asked for). */
  files: ReadonlyMap<string, string>;
}

interface DiscoveryResult {
  cells: DiscoveredCell[];
  problems: DiscoveryProblem[];
}

/**
 * One discovery rule: which files it needs read, then what it finds in
 * them. Rules never throw for a bad file: it becomes a problem and the rest
 * goes on.
 */
export interface Discoverer {
  /** A short name for reports: `paths {env}/{app}/values.yaml`. */
  readonly label: string;
  filesToRead(paths: readonly string[]): string[];
  discover(input: DiscoveryInput): DiscoveryResult;
}
