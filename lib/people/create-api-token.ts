import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import {
  API_SCOPES,
  type ApiScope,
  DEFAULT_API_SCOPES,
  hashApiToken,
  isApiScope,
} from "@/lib/identity/api-token";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf } from "@/lib/identity/principal";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";
import { type Acting, authorize, issuesOf } from "@/lib/people/update-user-grants";

/**
 * Personal tokens act as their owner (never beyond the owner's role); CI
 * tokens act as themselves within their scopes and are made by admins (or
 * by Gantry itself, from the command line).
 */
export type ApiTokenKind = "personal" | "ci";

const MAX_TOKEN_DAYS = 366;

const MAX_TOKEN_TEAMS = 50;

const ApiTokenInput = z
  .object({
    name: z
      .string({ error: "name: required" })
      .trim()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/,
        "name: 1–100 letters, digits, spaces, dots, dashes or underscores",
      ),
    scopes: z
      .array(z.string())
      .min(1, `scopes: at least one of ${API_SCOPES.join(", ")}`)
      .superRefine((scopes, ctx) => {
        const unknown = scopes.filter((scope) => !isApiScope(scope));
        if (unknown.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `scopes: expected some of ${API_SCOPES.join(", ")}; unknown: ${unknown.join(", ")}`,
          });
        }
      })
      .transform((scopes) => API_SCOPES.filter((scope) => scopes.includes(scope))),
    expiresInDays: z
      .number({ error: "expiresInDays: expected a number of days" })
      .int("expiresInDays: expected a whole number of days")
      .min(1, "expiresInDays: at least 1 day")
      .max(MAX_TOKEN_DAYS, `expiresInDays: at most ${MAX_TOKEN_DAYS} days`)
      .optional(),
    teams: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "teams: each must be a team slug such as payments"),
      )
      .max(MAX_TOKEN_TEAMS, `teams: at most ${MAX_TOKEN_TEAMS}`)
      .transform((teams) => [...new Set(teams)].sort()),
  })
  .refine((input) => !input.scopes.includes("releases:write") || input.teams.length > 0, {
    message: "teams: releases:write registers releases only for named teams; name at least one",
    path: ["teams"],
  });

/** The token form of /admin/tokens and /account/tokens (name, scopes, expiresInDays, teams) as input. */
export function tokenFormInput(formData: FormData): {
  name: string;
  scopes: string[];
  expiresInDays: number | undefined;
  teams: string[];
} {
  const days = formData.get("expiresInDays");
  const text = typeof days === "string" ? days.trim() : "";
  const expiresInDays = text === "" ? undefined : Number(text);
  if (expiresInDays !== undefined && !Number.isInteger(expiresInDays)) {
    throw new GantryError("bad_request", "expiresInDays: expected a whole number of days");
  }
  const name = formData.get("name");
  return {
    name: typeof name === "string" ? name : "",
    scopes: formData.getAll("scopes").filter((scope) => typeof scope === "string"),
    expiresInDays,
    teams: teamsOf(formData.get("teams")),
  };
}

/** "payments, checkout" → ["payments", "checkout"]. */
function teamsOf(value: FormDataEntryValue | null): string[] {
  if (typeof value !== "string") return [];
  return value
    .split(/[\s,]+/)
    .map((team) => team.trim())
    .filter((team) => team !== "");
}

export interface CreatedApiToken {
  id: string;
  name: string;
  kind: ApiTokenKind;
  scopes: ApiScope[];
  /** The teams it may register releases for (with releases:write). */
  teams: string[];
  createdAt: Date;
  expiresAt: Date | null;
  /** The token itself: here and nowhere else, ever. Only its SHA-256 is stored. */
  token: string;
}

/**
 * Makes an API token: `gantry_<43 base64url characters>` (256 random bits).
 * A personal token belongs to the person making it (token:manage_own); a CI
 * token needs token:manage_ci. The row and a `token.created` audit event
 * (never the token) are one transaction.
 */
export async function createApiToken(params: {
  db: PrismaClient;
  acting: Acting;
  kind: ApiTokenKind;
  name: string;
  /** Default: promotions:read and promotions:write. */
  scopes?: readonly string[];
  expiresInDays?: number;
  /** Required with releases:write: the teams whose releases it may register. */
  teams?: readonly string[];
}): Promise<CreatedApiToken> {
  let actor: ReturnType<typeof authorize>;
  let ownerId: string | null = null;
  if (params.kind === "personal") {
    if (params.acting === "system" || params.acting.kind !== "person") {
      throw new GantryError("forbidden", "only a signed-in person can own a personal token");
    }
    assertCan(params.acting, "token:manage_own");
    actor = actorOf(params.acting);
    ownerId = params.acting.id;
  } else {
    actor = authorize(params.acting, "token:manage_ci");
  }
  const parsed = ApiTokenInput.safeParse({
    name: params.name,
    scopes: params.scopes ? [...new Set(params.scopes)] : [...DEFAULT_API_SCOPES],
    expiresInDays: params.expiresInDays,
    teams: [...(params.teams ?? [])],
  });
  if (!parsed.success) throw new GantryError("bad_request", issuesOf(parsed.error));
  const { name, scopes, expiresInDays, teams } = parsed.data;
  const token = `gantry_${randomBytes(32).toString("base64url")}`;
  const expiresAt =
    expiresInDays === undefined ? null : new Date(Date.now() + expiresInDays * 86_400_000);
  const row = await params.db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: {
        name,
        tokenHash: hashApiToken(token),
        scopes,
        teams,
        kind: params.kind,
        ownerId,
        createdById: params.acting === "system" ? null : params.acting.id,
        expiresAt,
      },
      select: { id: true, name: true, createdAt: true, expiresAt: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "token.created",
      target: { type: "token", id: created.id },
      detail: {
        tokenName: name,
        kind: params.kind,
        scopes,
        ...(teams.length > 0 ? { teams } : {}),
        expiresAt: expiresAt?.toISOString() ?? null,
        ...(ownerId ? { ownerId } : {}),
      },
    });
    return created;
  }, AUDIT_TRANSACTION);
  return { ...row, kind: params.kind, scopes, teams, token };
}
