import { randomUUID } from "node:crypto";
import { hashPassword } from "better-auth/crypto";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";
import { PersonNameSchema } from "@/lib/people/rename-user";
import {
  type Acting,
  authorize,
  type Grants,
  GrantsSchema,
  issuesOf,
} from "@/lib/people/update-user-grants";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

const CreateUserInput = z.object({
  email: z.email("email: expected an email address").transform((email) => email.toLowerCase()),
  name: PersonNameSchema,
  password: z
    .string({ error: "password: required" })
    .min(PASSWORD_MIN_LENGTH, `password: at least ${PASSWORD_MIN_LENGTH} characters`)
    .max(PASSWORD_MAX_LENGTH, `password: at most ${PASSWORD_MAX_LENGTH} characters`),
});

export interface CreatedUser {
  id: string;
  email: string;
  name: string;
}

/**
 * Makes a local account: the User row with its grants, a `credential`
 * Account holding the scrypt hash of the password (better-auth's hasher, so
 * better-auth verifies it at sign-in), and a `user.created` audit event, in
 * one transaction. Only admins (user:manage) or Gantry itself (first start,
 * command line) may. `mustChangePassword` sends the person to
 * /account/password at first sign-in.
 */
export async function createUser(params: {
  db: PrismaClient;
  acting: Acting;
  email: string;
  name: string;
  password: string;
  roles: Grants["roles"];
  teams?: string[];
  approverEnvironments?: string[];
  breakGlass?: boolean;
  gitLogin?: string | null;
  mustChangePassword?: boolean;
}): Promise<CreatedUser> {
  const actor = authorize(params.acting, "user:manage");
  const input = CreateUserInput.safeParse(params);
  if (!input.success) throw new GantryError("bad_request", issuesOf(input.error));
  const grants = GrantsSchema.safeParse({
    roles: params.roles,
    teams: params.teams ?? [],
    approverEnvironments: params.approverEnvironments ?? [],
    breakGlass: params.breakGlass ?? false,
    gitLogin: params.gitLogin ?? null,
  });
  if (!grants.success) throw new GantryError("bad_request", issuesOf(grants.error));
  const { email, name, password } = input.data;
  const hash = await hashPassword(password);
  return params.db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (existing) throw new GantryError("conflict", `email: ${email} already has an account`);
    const id = randomUUID();
    const user = await tx.user.create({
      data: {
        id,
        email,
        name,
        emailVerified: true,
        source: "local",
        mustChangePassword: params.mustChangePassword ?? true,
        ...grants.data,
      },
      select: { id: true, email: true, name: true },
    });
    await tx.account.create({
      data: {
        id: randomUUID(),
        accountId: id,
        providerId: "credential",
        userId: id,
        password: hash,
      },
      select: { id: true },
    });
    await recordAuditEvent(tx, {
      actor,
      action: "user.created",
      target: { type: "user", id },
      detail: { email, roles: grants.data.roles, teams: grants.data.teams, source: "local" },
    });
    return user;
  }, AUDIT_TRANSACTION);
}
