"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { safeNextPath } from "@/lib/auth/current-principal";
import { signInWithPassword } from "@/lib/auth/password-session";
import { isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";

export type SignInState = { error: string | null; email: string };

/** The password form: better-auth checks the password (after the lockout) and sets the cookie. */
export async function signInAction(_state: SignInState, formData: FormData): Promise<SignInState> {
  const email = String(formData.get("email") ?? "").trim();
  const password = String(formData.get("password") ?? "");
  try {
    await signInWithPassword({ headers: await headers(), email, password });
  } catch (error) {
    if (isGantryError(error)) return { error: error.message, email };
    const errorId = logUnexpected(error, { action: "sign-in" });
    return { error: `Signing in failed on our side (error ${errorId}).`, email };
  }
  redirect(safeNextPath(String(formData.get("next") ?? "/")));
}
