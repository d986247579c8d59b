import { randomBytes } from "node:crypto";
import type { GantryConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createUser } from "@/lib/people/create-user";

/**
 * Where the first start keeps a generated one-time password (mode 0600), in
 * the data directory; deleted when the admin changes it (auth-server.ts).
 */
export const FIRST_ADMIN_PASSWORD_FILE = "admin-password";

export type BootstrapResult =
  | { created: false }
  | { created: true; email: string; password: string; generated: boolean };

/**
 * First start: with no people at all, Gantry creates an admin (also
 * developer and approver for every environment) so someone can sign in.
 * The password is GANTRY_ADMIN_PASSWORD, or a random one the caller shows
 * once; a random one must be changed at first sign-in.
 */
export async function bootstrapAdmin(params: {
  db: PrismaClient;
  config: GantryConfig;
}): Promise<BootstrapResult> {
  if ((await params.db.user.count()) > 0) return { created: false };
  const given = params.config.auth.adminPassword;
  const password = given ?? randomBytes(18).toString("base64url");
  const email = params.config.auth.adminEmail;
  try {
    await createUser({
      db: params.db,
      acting: "system",
      email,
      name: "Gantry admin",
      password,
      roles: ["developer", "approver", "admin"],
      approverEnvironments: ["*"],
      mustChangePassword: given === undefined,
    });
  } catch (error) {
    // Another replica starting at the same moment made the admin first: the check above
    // (conflict), or the database's unique e-mail when both checked before either wrote.
    if (isGantryError(error) && error.code === "conflict") return { created: false };
    if ((await params.db.user.count()) > 0) return { created: false };
    throw error;
  }
  return { created: true, email, password, generated: given === undefined };
}
