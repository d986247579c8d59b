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
export type Principal = Person | CiToken;

export interface CiToken {
  kind: "ci_token";
  id: string;
  name: string;
  scopes: readonly string[];
}

/** The Actor a principal's changes are recorded under. */
export function actorOf(principal: Principal): Actor {
  if (principal.kind === "person") {
    return { kind: "person", id: principal.id, name: principal.name, email: principal.email };
  }
  return {
    kind: "token",
    id: principal.id,
    name: `API token ${principal.name}`,
    email: `api-token+${principal.id.slice(0, 8)}@gantry.local`,
  };
}
