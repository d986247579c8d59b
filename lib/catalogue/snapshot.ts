/**
 * What the importer read from the GitOps repository at one commit, before
 * anything is written to Postgres. Reading (read-gitops-repo.ts) and writing
 * (import-catalogue.ts) are separate so each can be tested on its own and a
 * bad file never leaves a half-written catalogue.
 */

import type { VersionLocator } from "@/lib/gitops-repo/locator";
import type { OverridePlace } from "@/lib/gitops-repo/override";
import type { EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";

type Tier = "critical" | "high" | "medium" | "low";

interface SnapshotCluster {
  name: string;
  region: string | null;
  provider: string | null;
}

interface SnapshotEnvironment {
  name: string;
  displayName: string;
  description: string;
  /** 0-based order of delivery, as listed in environments.yaml. */
  position: number;
  /** Normalised from environments.yaml; DEFAULT_POLICY when the environment has none. */
  policy: EnvironmentPolicy;
  clusters: SnapshotCluster[];
}

interface SnapshotLink {
  title: string;
  url: string;
}

interface SnapshotTarget {
  environment: string;
  /** The first locator's file. */
  valuesPath: string;
  /** Where the version lives; the first locator's value is `version`. */
  locators: VersionLocator[];
  /** null when the file has no version at the locator (a missing, empty or null key). */
  version: string | null;
  /** Where the environment's own version would go when the file that decides it is shared (adopted layouts). */
  override?: OverridePlace;
}

export interface SnapshotApplication {
  slug: string;
  name: string;
  description: string;
  team: string;
  tier: Tier;
  chart: string;
  links: SnapshotLink[];
  labels: Record<string, string>;
  targets: SnapshotTarget[];
  /** Environments whose values file exists but could not be read: their stored target is kept as it was. */
  unreadableEnvironments: string[];
}

/** A file the importer could not use; line and column are 1-based when known. */
export interface ImportProblemInput {
  applicationSlug: string | null;
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

export interface RepoSnapshot {
  commit: string;
  environments: SnapshotEnvironment[];
  applications: SnapshotApplication[];
  /** Every app directory present in Git, readable or not: only apps missing here are archived. */
  slugsInGit: string[];
  problems: ImportProblemInput[];
}
