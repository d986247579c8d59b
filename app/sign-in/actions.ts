"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";
import { getAuth } from "@/lib/people/auth-server";
import { OIDC_PROVIDER_ID } from "@/lib/people/oidc";
import { signInWithPassword } from "@/lib/people/password-session";
import { safeNextPath } from "@/lib/people/safe-next-path";

export type SignInState = { error: string | null; email: string };

/** The password form: better-auth checks the password (after the lockout) and sets the cookie. */
export async function signInAction(_state: SignInState, formData: FormData): Promise<SignInState> {
  const email = String(formData.get("email") ?? "").trim();
  const password = String(formData.get("password") ?? "");
  let mustChangePassword: boolean;
  try {
    ({ mustChangePassword } = await signInWithPassword({
      headers: await headers(),
      email,
      password,
    }));
  } catch (error) {
    if (isGantryError(error)) return { error: error.message, email };
    const errorId = logUnexpected(error, { action: "sign-in" });
    return { error: `Signing in failed on our side (error ${errorId}).`, email };
  }
  // A password set for them (first start, admin reset) is changed before anything else.
  redirect(
    mustChangePassword ? "/account/password" : safeNextPath(String(formData.get("next") ?? "/")),
  );
}

/**
 * "Sign in with single sign-on": better-auth makes the authorization URL
 * (state, PKCE verifier and nonce kept in a cookie) and the browser goes to
 * the issuer, which returns to /api/auth/callback/oidc.
 */
export async function ssoSignInAction(formData: FormData): Promise<void> {
  if (!getConfig().oidc) redirect("/sign-in");
  const next = safeNextPath(String(formData.get("next") ?? "/"));
  let url: string;
  try {
    const started = await getAuth().api.signInSocial({
      body: {
        provider: OIDC_PROVIDER_ID,
        callbackURL: next,
        errorCallbackURL: "/sign-in?sso=failed",
      },
      headers: await headers(),
    });
    if (!started.url) throw new Error("better-auth returned no authorization URL");
    url = started.url;
  } catch (error) {
    logUnexpected(error, { action: "sso-sign-in" });
    redirect("/sign-in?sso=failed");
  }
  redirect(url);
}
