import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Role } from "@/lib/identity/principal";
import { type Acting, authorize } from "@/lib/people/update-user-grants";

/** A person as the admin pages and the command line list them. */
export interface UserSummary {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  teams: string[];
  approverEnvironments: string[];
  breakGlass: boolean;
  gitLogin: string | null;
  source: string;
  mustChangePassword: boolean;
  disabledAt: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
}

const USER_SUMMARY = {
  id: true,
  name: true,
  email: true,
  roles: true,
  teams: true,
  approverEnvironments: true,
  breakGlass: true,
  gitLogin: true,
  source: true,
  mustChangePassword: true,
  disabledAt: true,
  lastSignInAt: true,
  createdAt: true,
} as const;

/** Everyone who may sign in (and who was disabled), by e-mail; admins only. */
export async function listUsers(params: {
  db: PrismaClient;
  acting: Acting;
  /** Matches e-mail or name, case-insensitively. */
  search?: string;
}): Promise<UserSummary[]> {
  authorize(params.acting, "user:manage");
  const search = params.search?.trim();
  return params.db.user.findMany({
    where: search
      ? {
          OR: [
            { email: { contains: search, mode: "insensitive" } },
            { name: { contains: search, mode: "insensitive" } },
          ],
        }
      : {},
    orderBy: { email: "asc" },
    take: 1000,
    select: USER_SUMMARY,
  });
}

/** The person with this e-mail (case-insensitive), or not_found. */
export async function findUserByEmail(params: {
  db: PrismaClient;
  email: string;
}): Promise<{ id: string; email: string }> {
  const email = params.email.trim();
  const user = await params.db.user.findFirst({
    where: { email: { equals: email, mode: "insensitive" } },
    select: { id: true, email: true },
  });
  if (!user) throw new GantryError("not_found", `No person with e-mail ${email}`);
  return user;
}

/** One person, for the admin's page about them; admins only. */
export async function getUser(params: {
  db: PrismaClient;
  acting: Acting;
  userId: string;
}): Promise<UserSummary> {
  authorize(params.acting, "user:manage");
  const user = /^[A-Za-z0-9_-]{1,100}$/.test(params.userId)
    ? await params.db.user.findUnique({ where: { id: params.userId }, select: USER_SUMMARY })
    : null;
  if (!user) throw new GantryError("not_found", `No person with id ${params.userId}`);
  return user;
}
