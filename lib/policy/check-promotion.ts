/*
 * lib/policy owns environment policy: approvals, order and freezes, and whether a promotion may go
 * ahead.
 */

import { getConfig } from "@/lib/config";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { ActiveFreeze, EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";
import { refusal } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { frozenMessage } from "@/lib/policy/describe";
import { activeFreeze } from "@/lib/policy/freeze";
import { readPolicy } from "@/lib/policy/read-policy";
import { combinedSyncState, isStale, worstHealth } from "@/lib/sync-status/list-sync-status";
import type { HealthState, SyncState } from "@/lib/sync-status/report";

export const BREAK_GLASS_REASON_MIN = 10;
export const BREAK_GLASS_REASON_MAX = 500;

/** Where a planned promotion stands against its target environment's policy, before anyone acts. */
export interface PromotionPolicyCheck {
  environment: string;
  policy: EnvironmentPolicy;
  freeze: ActiveFreeze | null;
  /** "prod is frozen until Monday 08:00 UTC (Year-end freeze)", when frozen. */
  freezeMessage: string | null;
  /** Why the order rule refuses this version, in words; null when it is satisfied or there is none. */
  orderRefusal: string | null;
}

/**
 * Checks a planned promotion of `version` into `environment` against the
 * environment's policy: is it frozen now, and does the order rule hold in
 * `previousEnvironment` (the nearest earlier environment the app is deployed
 * to, as the plan found it in Git)?
 *
 * Order "deployed": the previous environment runs the version now (Git), or
 * a promotion of the version into it reached `deployed` before. Order
 * "healthy", in addition: when the previous environment runs it now, every
 * cluster there reports it Synced and Healthy, recently (not stale); a
 * version deployed there earlier was healthy when its promotion reached
 * `deployed`.
 */
export async function checkPromotionPolicy(params: {
  db: PrismaClient;
  application: string;
  environment: string;
  previousEnvironment: { name: string; version: string | null } | null;
  version: string;
  now?: Date;
}): Promise<PromotionPolicyCheck> {
  const { db, application, environment, previousEnvironment, version } = params;
  const now = params.now ?? new Date();
  const facts = await readPolicyFacts({
    db,
    application,
    environment,
    previousEnvironment,
    version,
  });
  const policy = readPolicy(facts.policy ?? {}, { environment });
  const freeze = activeFreeze(policy, now);
  return {
    environment,
    policy,
    freeze,
    freezeMessage: freeze
      ? frozenMessage({ environment, until: freeze.until, reason: freeze.reason, now })
      : null,
    orderRefusal:
      policy.order.requireDeployedInPrevious && previousEnvironment
        ? orderRefusal({ facts, previousEnvironment, version, policy, now })
        : null,
  };
}

/** One cluster of the previous environment, with what it reports of the application there. */
interface PreviousCluster {
  name: string;
  lastSeenAt: Date | null;
  syncStates: SyncState[];
  healths: HealthState[];
}

interface PolicyFacts {
  policy: unknown;
  /** A promotion of the version into the previous environment reached `deployed` before. */
  deployedBefore: boolean;
  /** The previous environment's clusters, by name, when the application is deployed there. */
  clusters: PreviousCluster[];
}

/**
 * Everything the check reads, in one round trip: the target environment's
 * policy and, for the order rule, only the previous environment's facts for
 * this application (never the application's whole status). Read whether
 * or not the rule needs them: indexed lookups cost less than a second trip.
 */
async function readPolicyFacts(params: {
  db: PrismaClient;
  application: string;
  environment: string;
  previousEnvironment: { name: string } | null;
  version: string;
}): Promise<PolicyFacts> {
  const { db, application, environment, version } = params;
  const previous = params.previousEnvironment?.name ?? null;
  const rows = await db.$queryRaw<
    {
      policy: unknown;
      deployedBefore: boolean;
      clusters:
        | {
            name: string;
            lastSeenMs: number | null;
            syncStates: SyncState[];
            healths: HealthState[];
          }[]
        | null;
    }[]
  >`
    SELECT
      (SELECT policy FROM "Environment" WHERE name = ${environment}) AS policy,
      EXISTS (
        SELECT 1 FROM "Promotion" p
        JOIN "Application" a ON a.id = p."applicationId"
        JOIN "Environment" e ON e.id = p."toEnvironmentId"
        WHERE a.slug = ${application} AND e.name = ${previous} AND p.version = ${version}
          AND p.state = 'deployed'
      ) AS "deployedBefore",
      (
        SELECT json_agg(json_build_object(
            'name', c.name,
            'lastSeenMs', extract(epoch FROM c."lastSeenAt") * 1000,
            'syncStates', coalesce(o."syncStates", '{}'),
            'healths', coalesce(o.healths, '{}')
          ) ORDER BY c.name)
        FROM "Application" a
        JOIN "Environment" e ON e.name = ${previous} AND e."archivedAt" IS NULL
        JOIN "DeploymentTarget" t
          ON t."applicationId" = a.id AND t."environmentId" = e.id AND t."archivedAt" IS NULL
        JOIN "Cluster" c ON c."environmentId" = e.id AND c."archivedAt" IS NULL
        LEFT JOIN LATERAL (
          SELECT array_agg(s."syncState") AS "syncStates", array_agg(s.health) AS healths
          FROM "SyncStatus" s
          WHERE s."clusterId" = c.id AND s."environmentId" = e.id AND s."applicationId" = a.id
        ) o ON true
        WHERE a.slug = ${application}
      ) AS clusters`;
  const row = rows[0];
  return {
    policy: row?.policy ?? null,
    deployedBefore: row?.deployedBefore ?? false,
    clusters: (row?.clusters ?? []).map(({ lastSeenMs, ...cluster }) => ({
      ...cluster,
      lastSeenAt: lastSeenMs === null ? null : new Date(lastSeenMs),
    })),
  };
}

function orderRefusal(params: {
  facts: PolicyFacts;
  previousEnvironment: { name: string; version: string | null };
  version: string;
  policy: EnvironmentPolicy;
  now: Date;
}): string | null {
  const { facts, previousEnvironment, version, policy, now } = params;
  const previous = previousEnvironment.name;
  if (previousEnvironment.version !== version) {
    return facts.deployedBefore ? null : `${version} is not deployed in ${previous} yet`;
  }
  if (!policy.order.requireHealthy) return null;
  if (facts.clusters.length === 0)
    return `${version} is not healthy in ${previous} yet: no cluster reports it`;
  const staleAfterSeconds = getConfig().syncStaleAfterSeconds;
  // As the application's status reads (lib/sync-status): stale or silent is Unknown.
  const unwell = facts.clusters.flatMap((cluster) => {
    if (isStale(cluster.lastSeenAt, now, staleAfterSeconds))
      return [`${cluster.name} has not reported recently`];
    const reported = cluster.syncStates.length > 0;
    const syncState = reported ? combinedSyncState(cluster.syncStates) : "Unknown";
    const health = reported ? worstHealth(cluster.healths) : "Unknown";
    if (syncState !== "Synced" || health !== "Healthy") {
      return [`${cluster.name} reports ${syncState}/${health}`];
    }
    return [];
  });
  return unwell.length === 0
    ? null
    : `${version} is not healthy in ${previous} yet: ${unwell.join(", ")}`;
}

/**
 * Holds a request to its environment's policy, or says in words why not:
 * - the order rule refuses unless it holds (an admin's skipOrder skips the
 *   "previous environment runs exactly this version" step of the plan, never
 *   the policy: the version must have been deployed there);
 * - skipOrder into an environment with an order rule is for admins only;
 * - a frozen environment refuses unless the person may break glass and says
 *   why in 10–500 characters.
 * Returns the break-glass reason to keep (null when nothing was frozen).
 */
export function enforcePromotionPolicy(params: {
  check: PromotionPolicyCheck;
  principal: Principal;
  team: string | undefined;
  skipOrder: boolean;
  breakGlassReason: string | undefined;
}): { breakGlassReason: string | null } {
  const { check, principal, team } = params;
  if (params.skipOrder && check.policy.order.requireDeployedInPrevious) {
    const why = refusal(principal, "promotion:skip_order", {
      team,
      environment: check.environment,
    });
    if (why !== null) {
      throw new GantryError(
        "forbidden",
        `${check.environment}'s policy keeps the delivery order: ${why} (skipOrder)`,
        { details: { field: "skipOrder", permission: "promotion:skip_order" } },
      );
    }
  }
  if (check.orderRefusal) {
    throw new GantryError("conflict", check.orderRefusal, {
      details: { field: "version", rule: "order" },
    });
  }
  if (!check.freeze || !check.freezeMessage) return { breakGlassReason: null };

  const reason = params.breakGlassReason?.trim() ?? "";
  const mayBreakGlass =
    refusal(principal, "promotion:break_glass", { team, environment: check.environment }) === null;
  if (reason === "") {
    throw new GantryError(
      "conflict",
      mayBreakGlass
        ? `${check.freezeMessage}; you may break the freeze by giving a reason`
        : check.freezeMessage,
      {
        details: {
          field: "environment",
          rule: "freeze",
          frozenUntil: check.freeze.until.toISOString(),
        },
      },
    );
  }
  if (!mayBreakGlass) {
    throw new GantryError(
      "forbidden",
      `${check.freezeMessage}; only people with break-glass may promote during a freeze`,
      { details: { field: "breakGlassReason", permission: "promotion:break_glass" } },
    );
  }
  if (reason.length < BREAK_GLASS_REASON_MIN || reason.length > BREAK_GLASS_REASON_MAX) {
    throw new GantryError(
      "bad_request",
      `say why the freeze must be broken in ${BREAK_GLASS_REASON_MIN}–${BREAK_GLASS_REASON_MAX} characters`,
      { details: { field: "breakGlassReason" } },
    );
  }
  return { breakGlassReason: reason };
}
