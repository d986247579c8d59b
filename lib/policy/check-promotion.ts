/*
 * lib/policy owns environment policy: approvals, order and freezes, and whether a promotion may go
 * ahead.
 */

import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { ActiveFreeze, EnvironmentPolicy } from "@/lib/gitops-repo/policy/types";
import { refusal } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { frozenMessage } from "@/lib/policy/describe";
import { activeFreeze } from "@/lib/policy/freeze";
import { readPolicy } from "@/lib/policy/read-policy";
import { listApplicationSyncStatus } from "@/lib/sync-status/list-sync-status";

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
  const row = await db.environment.findUnique({
    where: { name: environment },
    select: { policy: true },
  });
  const policy = readPolicy(row?.policy ?? {}, { environment });
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
        ? await orderRefusal({ db, application, previousEnvironment, version, policy, now })
        : null,
  };
}

async function orderRefusal(params: {
  db: PrismaClient;
  application: string;
  previousEnvironment: { name: string; version: string | null };
  version: string;
  policy: EnvironmentPolicy;
  now: Date;
}): Promise<string | null> {
  const { db, application, previousEnvironment, version, policy, now } = params;
  const previous = previousEnvironment.name;
  if (previousEnvironment.version !== version) {
    const deployedBefore = await db.promotion.findFirst({
      where: {
        application: { slug: application },
        toEnvironment: { name: previous },
        version,
        state: "deployed",
      },
      select: { id: true },
    });
    return deployedBefore ? null : `${version} is not deployed in ${previous} yet`;
  }
  if (!policy.order.requireHealthy) return null;
  const rows = (await listApplicationSyncStatus({ db, application, now })).filter(
    (row) => row.environment.name === previous,
  );
  if (rows.length === 0)
    return `${version} is not healthy in ${previous} yet: no cluster reports it`;
  const unwell = rows.flatMap((row) => {
    if (row.stale) return [`${row.cluster.name} has not reported recently`];
    if (row.syncState !== "Synced" || row.health !== "Healthy") {
      return [`${row.cluster.name} reports ${row.syncState}/${row.health}`];
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
