import type { Prisma } from "@/lib/generated/prisma/client";
import { StoredPolicySchema } from "@/lib/gitops-repo/policy/normalise";
import { DEFAULT_POLICY, type EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";
import { log } from "@/lib/log";

/**
 * An environment's policy as stored in Environment.policy, checked by the
 * same rules as environments.yaml. The importer only ever stores a valid
 * policy; should the column hold anything else (an older shape, a hand
 * edit), the environment gets DEFAULT_POLICY and the problem is logged, so
 * a page never breaks on it. `{}` (the column's default, before the first
 * import with policies) is DEFAULT_POLICY without a warning.
 */
export function readPolicy(
  stored: unknown,
  context: { environment?: string } = {},
): EnvironmentPolicy {
  if (
    stored === null ||
    stored === undefined ||
    (typeof stored === "object" && !Array.isArray(stored) && Object.keys(stored).length === 0)
  ) {
    return DEFAULT_POLICY;
  }
  const parsed = StoredPolicySchema.safeParse(stored);
  if (parsed.success) return parsed.data;
  log.warn("stored environment policy is invalid; using the default policy", {
    environment: context.environment ?? "(unknown)",
    problems: parsed.error.issues.map(
      (issue) => `${issue.path.map(String).join(".") || "policy"}: ${issue.message}`,
    ),
  });
  return DEFAULT_POLICY;
}

/** The policy as the JSON Environment.policy stores. */
export function policyAsJson(policy: EnvironmentPolicy): Prisma.InputJsonObject {
  return {
    approvals: { required: policy.approvals.required, team: policy.approvals.team },
    order: {
      requireDeployedInPrevious: policy.order.requireDeployedInPrevious,
      requireHealthy: policy.order.requireHealthy,
    },
    freezes: policy.freezes.map((freeze) =>
      freeze.kind === "range"
        ? { kind: freeze.kind, from: freeze.from, to: freeze.to, reason: freeze.reason }
        : {
            kind: freeze.kind,
            cron: freeze.cron,
            durationMinutes: freeze.durationMinutes,
            timezone: freeze.timezone,
            reason: freeze.reason,
          },
    ),
    autoMerge: policy.autoMerge,
    rollback: {
      approvals: policy.rollback.approvals,
      allowDuringFreeze: policy.rollback.allowDuringFreeze,
      healthyWithinMinutes: policy.rollback.healthyWithinMinutes,
    },
    autoRollback: policy.autoRollback,
    progression: {
      autoPromote: policy.progression.autoPromote,
      soakSeconds: policy.progression.soakSeconds,
      gate: policy.progression.gate
        ? {
            url: policy.progression.gate.url,
            timeoutSeconds: policy.progression.gate.timeoutSeconds,
            checks: policy.progression.gate.checks,
          }
        : null,
    },
  };
}

/** Same policy, whatever order the keys came back from Postgres in. */
export function samePolicy(a: EnvironmentPolicy, b: EnvironmentPolicy): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
