import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { genericOAuth } from "better-auth/plugins/generic-oauth";
import { decodeJwt } from "jose";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { type GroupMap, type OidcConfig, ROLES } from "@/lib/config";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { requestContextFrom } from "@/lib/http/request-context";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import type { Role } from "@/lib/identity/principal";
import { log } from "@/lib/log";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";

/**
 * Single sign-on with any OpenID Connect issuer (Keycloak, Dex, Okta, …),
 * by better-auth's generic OAuth plugin: endpoints from the issuer's
 * discovery document, ID tokens verified against its JWKS, PKCE and a
 * nonce. At every SSO sign-in the person's grants are set from the groups
 * claim through GANTRY_OIDC_GROUP_MAP: the issuer is the truth for SSO
 * people, so a change of group takes effect at their next sign-in.
 */

export const OIDC_PROVIDER_ID = "oidc";

export interface SsoGrants {
  roles: Role[];
  teams: string[];
  approverEnvironments: string[];
  breakGlass: boolean;
}

/** The union of the grants of every mapped group the person is in; a viewer when none match. */
export function grantsFromGroups(groups: readonly string[], map: GroupMap): SsoGrants {
  const roles = new Set<Role>();
  const teams = new Set<string>();
  const environments = new Set<string>();
  let breakGlass = false;
  for (const group of new Set(groups)) {
    if (!Object.hasOwn(map, group)) continue;
    const grant = map[group];
    if (!grant) continue;
    for (const role of grant.roles) roles.add(role);
    for (const team of grant.teams) teams.add(team);
    for (const environment of grant.approverEnvironments) environments.add(environment);
    breakGlass ||= grant.breakGlass;
  }
  if (roles.size === 0) roles.add("viewer");
  return {
    roles: ROLES.filter((role) => roles.has(role)),
    teams: [...teams].sort(),
    approverEnvironments: [...environments].sort(),
    breakGlass,
  };
}

/**
 * The groups in an ID token's claims: `claim` may be a dotted path
 * (`realm_access.roles`); the value a list of strings, or one string of
 * names separated by spaces or commas. Anything else is no groups.
 */
export function groupsFromClaims(claims: Record<string, unknown>, claim: string): string[] {
  let value: unknown = Object.hasOwn(claims, claim) ? claims[claim] : undefined;
  if (value === undefined && claim.includes(".")) {
    value = claim.split(".").reduce<unknown>((node, key) => {
      if (typeof node !== "object" || node === null || !Object.hasOwn(node, key)) return undefined;
      return (node as Record<string, unknown>)[key];
    }, claims);
  }
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

function sameGrants(a: SsoGrants, b: SsoGrants): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Sets an SSO person's grants from their groups and marks them `oidc`, in
 * one transaction with the audit events (`session.signed_in` with method
 * oidc, and `user.grants_changed` via sso when the grants changed). The last
 * active admin keeps the admin role even if the issuer no longer says so,
 * so a misconfigured group map cannot lock everyone out. The issuer's
 * tokens are not kept: Gantry has no use for them.
 */
async function applySsoSignIn(params: {
  db: PrismaClient;
  userId: string;
  groups: readonly string[];
  map: GroupMap;
  sourceAddress?: string | null;
}): Promise<SsoGrants> {
  const mapped = grantsFromGroups(params.groups, params.map);
  return params.db.$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({
      where: { id: params.userId },
      select: {
        id: true,
        name: true,
        email: true,
        roles: true,
        teams: true,
        approverEnvironments: true,
        breakGlass: true,
        source: true,
        accounts: { where: { providerId: "credential" }, select: { id: true } },
      },
    });
    // First SSO sign-in of someone Gantry did not know: better-auth just made the row.
    const created = user.source !== "oidc" && user.accounts.length === 0;
    const before: SsoGrants = {
      roles: user.roles,
      teams: user.teams,
      approverEnvironments: user.approverEnvironments,
      breakGlass: user.breakGlass,
    };
    const after: SsoGrants = { ...mapped, roles: [...mapped.roles] };
    let keptAdmin = false;
    if (before.roles.includes("admin") && !after.roles.includes("admin")) {
      const admins = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "User" WHERE 'admin' = ANY(roles) AND "disabledAt" IS NULL FOR UPDATE`;
      if (admins.length <= 1 && admins.some((admin) => admin.id === user.id)) {
        const mappedRoles = after.roles;
        after.roles = ROLES.filter(
          (role) => role === "admin" || (role !== "viewer" && mappedRoles.includes(role)),
        );
        keptAdmin = true;
        log.warn("sso: the last active admin keeps the admin role the group map would remove", {
          userId: user.id,
        });
      }
    }
    await tx.user.update({
      where: { id: user.id },
      data: { ...after, source: "oidc", lastSignInAt: new Date() },
    });
    await tx.account.updateMany({
      where: { userId: user.id, providerId: OIDC_PROVIDER_ID },
      data: { accessToken: null, refreshToken: null, idToken: null },
    });
    const person = { kind: "person" as const, id: user.id, name: user.name, email: user.email };
    if (created) {
      await recordAuditEvent(tx, {
        actor: GANTRY_ACTOR,
        action: "user.created",
        target: { type: "user", id: user.id },
        detail: { email: user.email, roles: after.roles, teams: after.teams, source: "oidc" },
        sourceAddress: params.sourceAddress,
      });
    }
    await recordAuditEvent(tx, {
      actor: person,
      action: "session.signed_in",
      target: { type: "session", id: user.id },
      detail: { method: "oidc" },
      sourceAddress: params.sourceAddress,
    });
    if (!sameGrants(before, after)) {
      const matched = params.groups.filter((group) => Object.hasOwn(params.map, group));
      await recordAuditEvent(tx, {
        actor: GANTRY_ACTOR,
        action: "user.grants_changed",
        target: { type: "user", id: user.id },
        detail: {
          email: user.email,
          via: "sso",
          groups: matched.slice(0, 50),
          before,
          after,
          ...(keptAdmin ? { keptLastAdmin: true } : {}),
        },
        sourceAddress: params.sourceAddress,
      });
    }
    return after;
  }, AUDIT_TRANSACTION);
}

/**
 * The plugins to add to better-auth: none without GANTRY_OIDC_ISSUER;
 * otherwise the generic OAuth provider `oidc` (sign in with
 * `POST /api/auth/sign-in/social {"provider":"oidc"}`; the issuer returns to
 * `/api/auth/callback/oidc`) and the hook that applies the group map once
 * the session exists.
 */
export function oidcPlugins(params: {
  db: PrismaClient;
  oidc: OidcConfig | undefined;
}): BetterAuthPlugin[] {
  const { db, oidc } = params;
  if (!oidc) return [];
  const grants: BetterAuthPlugin = {
    id: "gantry-oidc-grants",
    hooks: {
      after: [
        {
          matcher: (ctx) =>
            (ctx.path === "/callback/:id" && ctx.params?.id === OIDC_PROVIDER_ID) ||
            (ctx.path === "/sign-in/social" &&
              typeof ctx.body === "object" &&
              ctx.body !== null &&
              "provider" in ctx.body &&
              ctx.body.provider === OIDC_PROVIDER_ID),
          handler: createAuthMiddleware(async (ctx) => {
            const created = ctx.context.newSession;
            if (!created) return;
            const account = await db.account.findFirst({
              where: { userId: created.user.id, providerId: OIDC_PROVIDER_ID },
              orderBy: { updatedAt: "desc" },
              select: { idToken: true },
            });
            let groups: string[] = [];
            if (account?.idToken) {
              // Verified by better-auth (JWKS, issuer, audience, nonce) before it was stored.
              groups = groupsFromClaims(decodeJwt(account.idToken), oidc.groupsClaim);
            } else {
              log.warn("sso: no ID token to read groups from; the person is a viewer", {
                userId: created.user.id,
              });
            }
            await applySsoSignIn({
              db,
              userId: created.user.id,
              groups,
              map: oidc.groupMap,
              sourceAddress: ctx.headers ? requestContextFrom(ctx.headers).sourceAddress : null,
            });
          }),
        },
      ],
    },
  };
  return [
    genericOAuth({
      config: [
        {
          providerId: OIDC_PROVIDER_ID,
          name: "single sign-on",
          discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
          requireIdTokenVerification: true,
          clientId: oidc.clientId,
          clientSecret: oidc.clientSecret,
          scopes: [...oidc.scopes],
          pkce: true,
        },
      ],
    }),
    grants,
  ];
}
