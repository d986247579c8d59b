"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getAuth } from "@/lib/auth/auth-server";
import { safeNextPath } from "@/lib/auth/current-principal";
import { OIDC_PROVIDER_ID } from "@/lib/auth/oidc";
import { getConfig } from "@/lib/config";
import { logUnexpected } from "@/lib/log";

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
