"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { SecretActionState } from "@/components/admin/secret-form";
import { ROLES } from "@/lib/config";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { authorizedAction } from "@/lib/people/authorized-action";
import { createApiToken, tokenFormInput } from "@/lib/people/create-api-token";
import { createUser } from "@/lib/people/create-user";
import { disableUser, enableUser } from "@/lib/people/disable-user";
import { oneTimePassword, resetPassword } from "@/lib/people/reset-password";
import { revokeApiToken } from "@/lib/people/revoke-api-token";
import { issuesOf, updateUserGrants } from "@/lib/people/update-user-grants";

/**
 * Server actions of /admin/users and /admin/tokens: parse the form (zod),
 * call the domain (which checks user:manage / token:manage_ci itself), and
 * answer with the refusal in words or the secret to show once.
 */

/** "a, b c" → ["a", "b", "c"]. */
const list = z
  .string()
  .default("")
  .transform((text) => text.split(/[\s,]+/).filter(Boolean));

const GrantsForm = z.object({
  roles: z.array(z.enum(ROLES, { error: `roles: expected some of ${ROLES.join(", ")}` })),
  teams: list,
  approverEnvironments: list,
  breakGlass: z.literal("on").optional(),
});

const UserId = z.object({
  userId: z.string().min(1, "This form is missing its person; reload the page."),
});

function grantsForm(formData: FormData) {
  const parsed = GrantsForm.safeParse({
    roles: formData.getAll("roles").filter((v) => typeof v === "string"),
    teams: formData.get("teams") ?? undefined,
    approverEnvironments: formData.get("approverEnvironments") ?? undefined,
    breakGlass: formData.get("breakGlass") ?? undefined,
  });
  if (!parsed.success) throw new GantryError("bad_request", issuesOf(parsed.error));
  return {
    roles: parsed.data.roles,
    teams: parsed.data.teams,
    approverEnvironments: parsed.data.approverEnvironments,
    breakGlass: parsed.data.breakGlass === "on",
  };
}

function userIdOf(formData: FormData): string {
  const parsed = UserId.safeParse({ userId: formData.get("userId") });
  if (!parsed.success) throw new GantryError("bad_request", issuesOf(parsed.error));
  return parsed.data.userId;
}

export const createUserAction = authorizedAction("user:manage", async (principal, formData) => {
  const grants = grantsForm(formData);
  const password = oneTimePassword();
  const user = await createUser({
    db: getDb(),
    acting: principal,
    // createUser's own schema checks them, with the same words as for the command line.
    email: formData.get("email")?.toString().trim() ?? "",
    name: formData.get("name")?.toString() ?? "",
    password,
    mustChangePassword: true,
    ...grants,
  });
  revalidatePath("/admin/users");
  const result: SecretActionState = {
    error: null,
    secret: {
      label: `One-time password for ${user.email}`,
      value: password,
      note: "Shown only this once: hand it over in person or through a safe channel. They must choose a new password at first sign-in.",
    },
  };
  return result;
});

const GitLogin = z.object({ gitLogin: z.string().trim().default("") });

export const updateGrantsAction = authorizedAction("user:manage", async (principal, formData) => {
  const userId = userIdOf(formData);
  const { gitLogin } = GitLogin.parse({ gitLogin: formData.get("gitLogin") ?? undefined });
  await updateUserGrants({
    db: getDb(),
    acting: principal,
    userId,
    grants: { ...grantsForm(formData), gitLogin: gitLogin || null },
  });
  revalidatePath("/admin/users");
  revalidatePath(`/admin/users/${userId}`);
  const result: SecretActionState = { error: null, notice: "Grants saved." };
  return result;
});

export const disableUserAction = authorizedAction("user:manage", async (principal, formData) => {
  const userId = userIdOf(formData);
  await disableUser({ db: getDb(), acting: principal, userId });
  revalidatePath(`/admin/users/${userId}`);
  return { error: null };
});

export const enableUserAction = authorizedAction("user:manage", async (principal, formData) => {
  const userId = userIdOf(formData);
  await enableUser({ db: getDb(), acting: principal, userId });
  revalidatePath(`/admin/users/${userId}`);
  return { error: null };
});

export const resetPasswordAction = authorizedAction("user:manage", async (principal, formData) => {
  const userId = userIdOf(formData);
  const { email, password } = await resetPassword({ db: getDb(), acting: principal, userId });
  revalidatePath(`/admin/users/${userId}`);
  const result: SecretActionState = {
    error: null,
    secret: {
      label: `New one-time password for ${email}`,
      value: password,
      note: "Shown only this once. Their sessions have ended; they must choose a new password at next sign-in.",
    },
  };
  return result;
});

export const createCiTokenAction = authorizedAction(
  "token:manage_ci",
  async (principal, formData) => {
    const form = tokenFormInput(formData);
    const created = await createApiToken({ db: getDb(), acting: principal, kind: "ci", ...form });
    revalidatePath("/admin/tokens");
    const result: SecretActionState = {
      error: null,
      secret: {
        label: `CI token ${created.name}`,
        value: created.token,
        note: "Shown only this once: Gantry keeps only its hash. Store it in your CI system's secrets now.",
      },
    };
    return result;
  },
);

const TokenId = z.object({ tokenId: z.uuid("This form is missing its token; reload the page.") });

export const revokeCiTokenAction = authorizedAction(
  "token:manage_ci",
  async (principal, formData) => {
    const parsed = TokenId.safeParse({ tokenId: formData.get("tokenId") });
    if (!parsed.success) throw new GantryError("bad_request", issuesOf(parsed.error));
    await revokeApiToken({ db: getDb(), acting: principal, id: parsed.data.tokenId });
    revalidatePath("/admin/tokens");
    return { error: null };
  },
);
