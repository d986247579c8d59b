/*
 * lib/identity owns who is acting and what they may do: principals, actors, the permission table
 * and API token authentication.
 */

import type { ROLES } from "@/lib/config";
import type { Actor } from "@/lib/identity/actor";

export type Role = (typeof ROLES)[number];

/**
 * A signed-in person as permission checks see them: their roles, the teams
 * they belong to (app owners from app.yaml, and groups such as
 * prod-approvers), the environments they may approve for (`*` = all) and
 * whether they may break a freeze. Built from the User row on every request,
 * so a change of role takes effect at once.
 */
export interface Person {
  kind: "person";
  id: string;
  name: string;
  email: string;
  roles: readonly Role[];
  teams: readonly string[];
  approverEnvironments: readonly string[];
  breakGlass: boolean;
  gitLogin: string | null;
  /**
   * Set when the person acts through one of their personal API tokens: the
   * token's scopes, which narrow what the person may do (never widen it).
   */
  tokenScopes?: readonly string[];
}

/**
 * Who a request acts as: a person (browser session or their personal token,
 * which never reaches beyond its owner) or a CI token acting as itself
 * within its scopes.
 */
export type Principal = Person | CiToken | ProgressionRulePrincipal;

export interface CiToken {
  kind: "ci_token";
  id: string;
  name: string;
  scopes: readonly string[];
  /** With releases:write: the teams whose applications it may register releases for (none when absent). */
  teams?: readonly string[];
}

/**
 * An environment's progression rule (`on-release`, `after-healthy`) acting on
 * its own: it may request promotions into its environment, and merge those
 * it opened, through the same checks as anyone; it never approves.
 */
export interface ProgressionRulePrincipal {
  kind: "rule";
  /** The environment's id: what the rule's actions are recorded under. */
  id: string;
  rule: "on-release" | "after-healthy";
  environment: string;
}

/** The principal of `environment`'s progression rule. */
export function progressionRule(params: {
  rule: ProgressionRulePrincipal["rule"];
  environment: { id: string; name: string };
}): ProgressionRulePrincipal {
  return {
    kind: "rule",
    id: params.environment.id,
    rule: params.rule,
    environment: params.environment.name,
  };
}

/** The Actor a principal's changes are recorded under. */
export function actorOf(principal: Principal): Actor {
  if (principal.kind === "person") {
    return { kind: "person", id: principal.id, name: principal.name, email: principal.email };
  }
  if (principal.kind === "rule") {
    return {
      kind: "rule",
      id: principal.id,
      name: `rule ${principal.rule} of ${principal.environment}`,
      email: `rule+${principal.rule}.${principal.environment}@gantry.local`,
    };
  }
  return {
    kind: "token",
    id: principal.id,
    name: `API token ${principal.name}`,
    email: `api-token+${principal.id.slice(0, 8)}@gantry.local`,
  };
}
