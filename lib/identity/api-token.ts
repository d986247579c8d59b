import { createHash } from "node:crypto";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Principal } from "@/lib/identity/principal";

/**
 * API tokens: `gantry_<43 base64url characters>` (256 random bits), shown
 * once when created (lib/people/create-api-token.ts; revoked with
 * revoke-api-token.ts). Only their SHA-256 is stored — a fast hash is
 * enough for a secret this long, and it lets a request find its token with
 * one indexed lookup.
 */

export const API_SCOPES = ["promotions:read", "promotions:write", "releases:write"] as const;
export type ApiScope = (typeof API_SCOPES)[number];
/** A token made without naming scopes; releases:write also needs teams, so it is never implied. */
export const DEFAULT_API_SCOPES: readonly ApiScope[] = ["promotions:read", "promotions:write"];

const TOKEN_PATTERN = /^gantry_[A-Za-z0-9_-]{43}$/;
/** lastUsedAt is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function isApiScope(value: string): value is ApiScope {
  return (API_SCOPES as readonly string[]).includes(value);
}

async function touchLastUsed(
  db: PrismaClient,
  row: { id: string; lastUsedAt: Date | null },
  now: Date,
): Promise<void> {
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
}

/** The bearer token of an Authorization header, or null when there is no Bearer header. */
export function bearerToken(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Who an API token acts as: a personal token is its owner (with the owner's
 * roles as they are now, so never beyond them); a CI token is itself, within
 * its scopes. Unknown, malformed, revoked or expired tokens, and tokens of a
 * disabled person, are refused (unauthenticated), without echoing the token.
 */
export async function authenticateApiToken(params: {
  db: PrismaClient;
  token: string;
  now?: Date;
}): Promise<Principal> {
  if (!TOKEN_PATTERN.test(params.token)) {
    throw new GantryError("unauthenticated", "the Authorization header is not a Gantry API token");
  }
  const row = await params.db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(params.token) },
    select: {
      id: true,
      name: true,
      scopes: true,
      teams: true,
      kind: true,
      revokedAt: true,
      expiresAt: true,
      lastUsedAt: true,
      owner: {
        select: {
          id: true,
          name: true,
          email: true,
          roles: true,
          teams: true,
          approverEnvironments: true,
          breakGlass: true,
          gitLogin: true,
          disabledAt: true,
        },
      },
    },
  });
  if (!row) throw new GantryError("unauthenticated", "the API token is not valid");
  if (row.revokedAt) throw new GantryError("unauthenticated", "the API token was revoked");
  const now = params.now ?? new Date();
  if (row.expiresAt && row.expiresAt <= now) {
    throw new GantryError("unauthenticated", "the API token has expired");
  }
  if (row.kind === "personal") {
    const owner = row.owner;
    if (!owner) throw new GantryError("unauthenticated", "the API token is not valid");
    if (owner.disabledAt) {
      throw new GantryError("unauthenticated", "the API token's owner is disabled");
    }
    await touchLastUsed(params.db, row, now);
    return {
      kind: "person",
      id: owner.id,
      name: owner.name,
      email: owner.email,
      roles: owner.roles,
      teams: owner.teams,
      approverEnvironments: owner.approverEnvironments,
      breakGlass: owner.breakGlass,
      gitLogin: owner.gitLogin,
      tokenScopes: row.scopes,
    };
  }
  await touchLastUsed(params.db, row, now);
  return {
    kind: "ci_token",
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    teams: row.teams,
  };
}
