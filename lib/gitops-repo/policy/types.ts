/**
 * An environment's promotion policy, as written under `policy:` in
 * environments.yaml (so policy is itself reviewed by pull request) and kept
 * normalised in Environment.policy by the importer. An environment without a
 * policy gets DEFAULT_POLICY.
 */
export interface EnvironmentPolicy {
  approvals: {
    /** How many approvals, from people other than the promotion's author (four eyes). */
    required: number;
    /** When set, approvals only count from members of this team (e.g. "prod-approvers"). */
    team: string | null;
  };
  order: {
    /** The version must already be deployed in the previous environment. */
    requireDeployedInPrevious: boolean;
    /** ... and healthy there, by the clusters' reports. */
    requireHealthy: boolean;
  };
  freezes: FreezeWindow[];
  /** Merge the pull request as soon as the policy is satisfied. */
  autoMerge: boolean;
  /** How releases registered by CI move into this environment by themselves. */
  progression: ProgressionRule;
  /** How a rollback (back to a version the environment ran before) goes ahead here. */
  rollback: RollbackPolicy;
  /** Gantry opens the rollback itself when a promotion fails after its merge. */
  autoRollback: boolean;
}

interface RollbackPolicy {
  /** Approvals a rollback needs, counted like the environment's (its team, four eyes). */
  approvals: number;
  /** A rollback may go ahead during a freeze when its requester writes why (kept and audited). */
  allowDuringFreeze: boolean;
  /** How long a merged promotion has to become healthy before automatic rollback treats it as failed. */
  healthyWithinMinutes: number;
}

/**
 * `manual`: only people promote. `on-release`: a newly registered release
 * opens its promotion here at once (the first environment). `after-healthy`:
 * once the release has run synced and healthy on every cluster of the
 * previous environment for the soak, with no failed sync in between.
 */
export const AUTO_PROMOTE = ["manual", "on-release", "after-healthy"] as const;
type AutoPromote = (typeof AUTO_PROMOTE)[number];

export interface ProgressionRule {
  autoPromote: AutoPromote;
  /** after-healthy: how long the release must stay healthy in the previous environment. */
  soakSeconds: number;
  /** after-healthy: an HTTP check of the release over the soak; a failure stops it here. */
  gate: ReleaseGate | null;
}

/**
 * An HTTP check of a release while it soaks in the previous environment.
 * `url` may hold {app}, {env} (the environment it soaks in) and {version};
 * each check must answer 2xx within `timeoutSeconds`; `checks` of them are
 * spread evenly over the soak, the last at its end.
 */
export interface ReleaseGate {
  url: string;
  timeoutSeconds: number;
  checks: number;
}

export const DEFAULT_PROGRESSION: ProgressionRule = {
  autoPromote: "manual",
  soakSeconds: 0,
  gate: null,
};

export type FreezeWindow =
  /** A date range, `from` inclusive, `to` exclusive (ISO 8601 with offset). */
  | { kind: "range"; from: string; to: string; reason: string }
  /** Recurring: starts at each `cron` time in `timezone` and lasts `durationMinutes`. */
  | { kind: "recurring"; cron: string; durationMinutes: number; timezone: string; reason: string };

export const DEFAULT_POLICY: EnvironmentPolicy = {
  approvals: { required: 0, team: null },
  order: { requireDeployedInPrevious: false, requireHealthy: false },
  freezes: [],
  autoMerge: false,
  progression: DEFAULT_PROGRESSION,
  rollback: { approvals: 1, allowDuringFreeze: true, healthyWithinMinutes: 15 },
  autoRollback: false,
};

/** A freeze in force: until when, and why (shown as a banner and in the promotion dialog). */
export interface ActiveFreeze {
  until: Date;
  reason: string;
}

/** Where a promotion stands against its environment's approval policy. */
export interface ApprovalStanding {
  required: number;
  /** Approvals that count: of the current head, not by the author, from the team when one is named, not outweighed by a later request for changes from the same person. */
  counted: number;
  /** People whose approval counts, for the UI. */
  approvers: string[];
  /** Someone asked for changes on the current head and has not approved since. */
  changesRequestedBy: string[];
  satisfied: boolean;
  /** What is missing, in words: "needs 1 more approval from prod-approvers". Empty when satisfied. */
  blockers: string[];
}
