import { GantryError } from "@/lib/errors";
import {
  actorOf,
  type CiToken,
  type Person,
  type Principal,
  type ProgressionRulePrincipal,
  type Role,
} from "@/lib/identity/principal";

/**
 * Who may do what, in one table, deny by default. Route handlers, server
 * actions and domain functions ask `assertCan`; the UI asks `can` only to
 * hide what a person cannot do, never as the check.
 *
 *   viewer     reads everything a signed-in person may read
 *   developer  proposes, merges, closes and retries promotions of their teams' apps
 *   approver   approves promotions into the environments they are named for
 *   admin      everything, except approving their own promotion (four eyes holds for all)
 *
 * A CI token acts as itself within its scopes: it reads with promotions:read,
 * proposes with promotions:write, registers releases of its named teams'
 * applications with releases:write, and never approves. A progression rule
 * requests promotions into its own environment and merges those it opened.
 */
export const PERMISSIONS = [
  "catalogue:read",
  "catalogue:import",
  "promotion:read",
  "promotion:request",
  "promotion:approve",
  "promotion:merge",
  "promotion:close",
  "promotion:retry",
  "promotion:break_glass",
  /** Promote past the delivery order into an environment whose policy has an order rule. */
  "promotion:skip_order",
  /** Register a release (a version CI built) of an application. */
  "release:register",
  "audit:read",
  "audit:export",
  "audit:verify",
  "cluster:manage",
  "token:manage_own",
  "token:manage_ci",
  "user:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a check is about, when it is about something. */
export interface PermissionResource {
  /** The owning team (slug) of the application concerned. */
  team?: string;
  /** The environment concerned (name). */
  environment?: string;
  /** Who asked for the promotion concerned: the User id, when a person did. */
  authorId?: string | null;
  /** ... and their e-mail, for promotions from before sign-in existed. */
  authorEmail?: string;
}

const READ: readonly Permission[] = ["catalogue:read", "promotion:read", "audit:read"];

function hasRole(person: Person, role: Role): boolean {
  return person.roles.includes(role);
}

function isAuthor(person: Person, resource: PermissionResource): boolean {
  if (resource.authorId) return resource.authorId === person.id;
  return (
    resource.authorEmail !== undefined &&
    resource.authorEmail.toLowerCase() === person.email.toLowerCase()
  );
}

function ownsTeam(person: Person, resource: PermissionResource): boolean {
  return resource.team !== undefined && person.teams.includes(resource.team);
}

function approvesFor(person: Person, environment: string | undefined): boolean {
  if (hasRole(person, "admin")) return true;
  if (!hasRole(person, "approver") || environment === undefined) return false;
  return (
    person.approverEnvironments.includes("*") || person.approverEnvironments.includes(environment)
  );
}

/** Why `person` may not do `permission`, in words; null when they may. */
function personRefusal(
  person: Person,
  permission: Permission,
  resource: PermissionResource,
): string | null {
  const admin = hasRole(person, "admin");
  const developer = hasRole(person, "developer") && ownsTeam(person, resource);
  switch (permission) {
    case "catalogue:read":
    case "promotion:read":
    case "audit:read":
    case "token:manage_own":
      return null;
    case "promotion:request":
    case "promotion:merge":
    case "promotion:retry":
    case "promotion:close":
      if (admin || developer) return null;
      if (permission !== "promotion:request" && isAuthor(person, resource)) return null;
      if (permission === "promotion:merge" && approvesFor(person, resource.environment)) {
        return null;
      }
      return resource.team
        ? `only developers of team ${resource.team} (or an admin) may do this`
        : "only a developer of the application's team (or an admin) may do this";
    case "promotion:approve":
      if (isAuthor(person, resource)) {
        return "you asked for this promotion, so someone else must approve it (four eyes)";
      }
      if (approvesFor(person, resource.environment)) return null;
      return `you are not an approver for ${resource.environment ?? "this environment"}`;
    case "release:register":
      return admin || developer
        ? null
        : resource.team
          ? `only developers of team ${resource.team} (or an admin) may register its releases`
          : "only a developer of the application's team (or an admin) may register releases";
    case "promotion:break_glass":
      return person.breakGlass ? null : "only people with break-glass may promote during a freeze";
    case "audit:export":
      return admin || hasRole(person, "approver")
        ? null
        : "only approvers and admins may export the audit log";
    case "promotion:skip_order":
    case "catalogue:import":
    case "audit:verify":
    case "cluster:manage":
    case "token:manage_ci":
    case "user:manage":
      return admin ? null : "only an admin may do this";
  }
}

/**
 * Whether a CI token asked for the promotion concerned. Promotions do not
 * reference tokens (requestedById is a person), so a token's own promotions
 * are known by the e-mail it is recorded under.
 */
function tokenIsAuthor(token: CiToken, resource: PermissionResource): boolean {
  if (resource.authorId) return resource.authorId === token.id;
  return resource.authorEmail !== undefined && resource.authorEmail === actorOf(token).email;
}

/** What a person's personal API token adds as a limit: its scopes, and no administration. */
const PROMOTION_WRITES: readonly Permission[] = [
  "promotion:request",
  "promotion:approve",
  "promotion:merge",
  "promotion:close",
  "promotion:retry",
  "promotion:break_glass",
  "promotion:skip_order",
];

function personalTokenRefusal(
  scopes: readonly string[] | undefined,
  permission: Permission,
): string | null {
  if (scopes === undefined) return null;
  if (READ.includes(permission) || permission === "audit:export") {
    return scopes.includes("promotions:read") || scopes.includes("promotions:write")
      ? null
      : "this personal API token lacks the promotions:read scope";
  }
  if (PROMOTION_WRITES.includes(permission)) {
    return scopes.includes("promotions:write")
      ? null
      : "this personal API token lacks the promotions:write scope";
  }
  if (permission === "release:register") {
    return scopes.includes("releases:write")
      ? null
      : "this personal API token lacks the releases:write scope";
  }
  return `a personal API token cannot do this (${permission}); sign in to the portal`;
}

/** Why `principal` may not do `permission`, in words; null when they may. */
export function refusal(
  principal: Principal | null,
  permission: Permission,
  resource: PermissionResource = {},
): string | null {
  if (principal === null) return "sign in first";
  if (principal.kind === "person") {
    return (
      personalTokenRefusal(principal.tokenScopes, permission) ??
      personRefusal(principal, permission, resource)
    );
  }
  if (principal.kind === "rule") return ruleRefusal(principal, permission, resource);
  const scopes = principal.scopes;
  if (permission === "release:register") {
    if (!scopes.includes("releases:write")) {
      return `the API token "${principal.name}" lacks the releases:write scope`;
    }
    const teams = principal.teams ?? [];
    if (resource.team === undefined) return teams.length > 0 ? null : noTeams(principal);
    return teams.includes(resource.team)
      ? null
      : `the API token "${principal.name}" may register releases only for ${
          teams.length > 0 ? `team ${teams.join(", ")}` : "no team"
        }, not for team ${resource.team}`;
  }
  if (READ.includes(permission)) {
    return scopes.includes("promotions:read") || scopes.includes("promotions:write")
      ? null
      : `the API token "${principal.name}" lacks the promotions:read scope`;
  }
  if (
    permission === "promotion:request" ||
    ((permission === "promotion:close" || permission === "promotion:retry") &&
      tokenIsAuthor(principal, resource))
  ) {
    return scopes.includes("promotions:write")
      ? null
      : `the API token "${principal.name}" lacks the promotions:write scope`;
  }
  return `an API token cannot do this (${permission}); a person must`;
}

function noTeams(token: CiToken): string {
  return `the API token "${token.name}" names no team to register releases for`;
}

/** A rule acts only in its own environment, and only on what it opened itself. */
function ruleRefusal(
  rule: ProgressionRulePrincipal,
  permission: Permission,
  resource: PermissionResource,
): string | null {
  if (READ.includes(permission)) return null;
  const own = resource.environment === undefined || resource.environment === rule.environment;
  if (permission === "promotion:request" && own) return null;
  if (
    (permission === "promotion:merge" || permission === "promotion:close") &&
    own &&
    resource.authorEmail === actorOf(rule).email
  ) {
    return null;
  }
  return `the ${rule.rule} rule of ${rule.environment} cannot do this (${permission})`;
}

export function can(
  principal: Principal | null,
  permission: Permission,
  resource: PermissionResource = {},
): boolean {
  return refusal(principal, permission, resource) === null;
}

/** Throws GantryError unauthenticated (signed out) or forbidden, with the reason in words. */
export function assertCan(
  principal: Principal | null,
  permission: Permission,
  resource: PermissionResource = {},
): asserts principal is Principal {
  const reason = refusal(principal, permission, resource);
  if (reason === null) return;
  throw new GantryError(principal === null ? "unauthenticated" : "forbidden", reason, {
    details: { permission },
  });
}

/**
 * Why `principal` may not do `permission` to anything at all; null when
 * there is something they may do it to. The coarse check of wrappers
 * (withPermission, authorizedAction), before the domain checks the very
 * resource: a developer of some team may try to request a promotion, an
 * approver of some environment may try to approve, and anyone may try to
 * close, merge or retry what they asked for themselves.
 */
export function coarseRefusal(principal: Principal | null, permission: Permission): string | null {
  if (principal === null) return refusal(null, permission);
  if (principal.kind === "ci_token") {
    return refusal(principal, permission, { authorId: principal.id });
  }
  if (principal.kind === "rule") return refusal(principal, permission);
  switch (permission) {
    case "promotion:request":
    case "release:register":
      return refusal(principal, permission, { team: principal.teams[0] });
    case "promotion:approve":
      return refusal(principal, permission, {
        environment: principal.approverEnvironments[0],
        authorId: null,
      });
    case "promotion:merge":
    case "promotion:close":
    case "promotion:retry":
      return refusal(principal, permission, { authorId: principal.id });
    default:
      return refusal(principal, permission);
  }
}

/** assertCan's coarse twin (see coarseRefusal): the domain still checks the resource. */
export function assertCoarse(
  principal: Principal | null,
  permission: Permission,
): asserts principal is Principal {
  const reason = coarseRefusal(principal, permission);
  if (reason === null) return;
  throw new GantryError(principal === null ? "unauthenticated" : "forbidden", reason, {
    details: { permission },
  });
}
