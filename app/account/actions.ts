"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";
import { changePassword, signOut } from "@/lib/people/password-session";

export type PasswordState = { error: string | null };

/** Sign out: better-auth deletes the session row, so the cookie is worthless even if kept. */
export async function signOutAction(): Promise<void> {
  try {
    await signOut({ headers: await headers() });
  } catch (error) {
    // Signed out already (or the session ended): the sign-in page is where they want to be.
    if (!isGantryError(error)) logUnexpected(error, { action: "sign-out" });
  }
  redirect("/sign-in");
}

/** Change password: clears "must change password" and signs out every other browser. */
export async function changePasswordAction(
  _state: PasswordState,
  formData: FormData,
): Promise<PasswordState> {
  try {
    await changePassword({
      headers: await headers(),
      currentPassword: String(formData.get("currentPassword") ?? ""),
      newPassword: String(formData.get("newPassword") ?? ""),
      confirmPassword: String(formData.get("confirmPassword") ?? ""),
    });
  } catch (error) {
    if (isGantryError(error)) return { error: error.message };
    const errorId = logUnexpected(error, { action: "change-password" });
    return { error: `Changing the password failed on our side (error ${errorId}).` };
  }
  redirect("/account?password=changed");
}
