import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { ROLES } from "@/lib/config";
import { GantryError } from "@/lib/errors";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { type Actor, GANTRY_ACTOR } from "@/lib/identity/actor";
import { assertCan, type Permission } from "@/lib/identity/permissions";
import { actorOf, type Principal, type Role } from "@/lib/identity/principal";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";
import { forgetSignedInPeople } from "@/lib/people/session-cache";

/**
 * Who may do what, as an admin grants it: roles, teams, the environments a
 * person approves for, break-glass and their login on the Git host.
 */
export interface Grants {
  roles: Role[];
  teams: string[];
  approverEnvironments: string[];
  breakGlass: boolean;
  gitLogin: string | null;
}

/**
 * Who asks for a change to people or tokens: a principal (checked against
 * the permission table) or Gantry itself (the command line, start-up, SSO).
 */
export type Acting = Principal | "system";

/** The actor a change is recorded under, after checking `acting` may do `permission`. */
export function authorize(acting: Acting, permission: Permission): Actor {
  if (acting === "system") return GANTRY_ACTOR;
  assertCan(acting, permission);
  return actorOf(acting);
}

export const GrantsSchema = z.object({
  roles: z
    .array(z.enum(ROLES, { error: `roles: expected some of ${ROLES.join(", ")}` }))
    .min(1, "roles: at least one role")
    .transform((roles) => ROLES.filter((role) => roles.includes(role))),
  teams: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "teams: expected team slugs like payments"),
      { error: "teams: expected a list of team slugs" },
    )
    .max(200, "teams: at most 200")
    .transform((teams) => [...new Set(teams)].sort()),
  approverEnvironments: z
    .array(
      z
        .string()
        .trim()
        .regex(
          /^(\*|[a-z0-9][a-z0-9-]{0,62})$/,
          "approverEnvironments: expected environment names or *",
        ),
    )
    .max(100, "approverEnvironments: at most 100")
    .transform((envs) => [...new Set(envs)].sort()),
  breakGlass: z.boolean({ error: "breakGlass: expected true or false" }),
  gitLogin: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/,
      "gitLogin: expected a Git host login (letters, digits, dashes)",
    )
    .nullable(),
});

/** Each problem of a zod error as "field: message" (messages already name their field). */
export function issuesOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = String(issue.path[0] ?? "");
      return field && !issue.message.startsWith(`${field}:`)
        ? `${field}: ${issue.message}`
        : issue.message;
    })
    .join("; ");
}

const GRANT_FIELDS = {
  roles: true,
  teams: true,
  approverEnvironments: true,
  breakGlass: true,
  gitLogin: true,
} as const;

function grantsOf(user: {
  roles: Role[];
  teams: string[];
  approverEnvironments: string[];
  breakGlass: boolean;
  gitLogin: string | null;
}): Grants {
  return {
    roles: [...user.roles],
    teams: [...user.teams],
    approverEnvironments: [...user.approverEnvironments],
    breakGlass: user.breakGlass,
    gitLogin: user.gitLogin,
  };
}

/**
 * Refuses a change that would leave Gantry without an active admin. Locks
 * the active admins' rows, so two admins demoting each other at once cannot
 * both succeed.
 */
export async function assertAnotherActiveAdmin(
  tx: Prisma.TransactionClient,
  user: { id: string; email: string },
  change: string,
): Promise<void> {
  const admins = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "User" WHERE 'admin' = ANY(roles) AND "disabledAt" IS NULL FOR UPDATE`;
  if (admins.some((admin) => admin.id === user.id) && admins.length <= 1) {
    throw new GantryError(
      "conflict",
      `${user.email} is the last active admin, so you cannot ${change}; make someone else an admin first`,
    );
  }
}

/**
 * Sets some of a person's grants. The row and a `user.grants_changed` audit
 * event (before and after) are written in one transaction.
 */
export async function updateUserGrants(params: {
  db: PrismaClient;
  acting: Acting;
  userId: string;
  grants: Partial<Grants>;
  /** Why, for the audit trail (e.g. "sso"); defaults to an admin's edit. */
  reason?: string;
}): Promise<Grants> {
  const actor = authorize(params.acting, "user:manage");
  const parsed = GrantsSchema.partial().safeParse(params.grants);
  if (!parsed.success) throw new GantryError("bad_request", issuesOf(parsed.error));
  const change = parsed.data;
  const changed = params.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { id: params.userId },
      select: { id: true, email: true, disabledAt: true, ...GRANT_FIELDS },
    });
    if (!user) throw new GantryError("not_found", `No person with id ${params.userId}`);
    const before = grantsOf(user);
    const after: Grants = { ...before, ...change };
    if (before.roles.includes("admin") && !after.roles.includes("admin")) {
      const self = params.acting !== "system" && params.acting.id === user.id;
      await assertAnotherActiveAdmin(
        tx,
        user,
        self ? "remove your own admin role" : "remove their admin role",
      );
    }
    if (after.gitLogin !== null && after.gitLogin !== before.gitLogin) {
      const holder = await tx.user.findFirst({
        where: { gitLogin: { equals: after.gitLogin, mode: "insensitive" }, id: { not: user.id } },
        select: { email: true },
      });
      if (holder) {
        throw new GantryError(
          "conflict",
          `gitLogin: ${after.gitLogin} already belongs to ${holder.email}`,
        );
      }
    }
    await tx.user.update({ where: { id: user.id }, data: after });
    await recordAuditEvent(tx, {
      actor,
      action: "user.grants_changed",
      target: { type: "user", id: user.id },
      detail: {
        email: user.email,
        before,
        after,
        ...(params.reason ? { via: params.reason } : {}),
      },
    });
    return after;
  }, AUDIT_TRANSACTION);
  // After the commit, this process stops answering from what it knew of the person.
  return changed.finally(forgetSignedInPeople);
}
