import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getSignedInPerson } from "@/lib/auth/current-principal";
import { safeNextPath } from "@/lib/auth/safe-next-path";
import { getConfig } from "@/lib/config";
import { signInAction, ssoSignInAction } from "./actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = safeNextPath(typeof params.next === "string" ? params.next : null);
  if (await getSignedInPerson()) redirect(next);
  return (
    <div className="mx-auto mt-12 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <h1 className="mb-1 text-xl font-semibold tracking-tight">Sign in to Gantry</h1>
      <p className="mb-6 text-sm text-slate-600">
        Every change is made by a signed-in person with the right role.
      </p>
      <SignInForm action={signInAction} next={next} />
      {getConfig().oidc ? (
        <form action={ssoSignInAction} className="mt-4 border-t border-slate-200 pt-4">
          <input type="hidden" name="next" value={next} />
          {params.sso === "failed" ? (
            <p role="alert" className="mb-3 text-sm text-red-900">
              Single sign-on did not complete. Try again, or ask an admin.
            </p>
          ) : null}
          <button
            type="submit"
            className="w-full rounded-md px-3 py-2 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Sign in with single sign-on
          </button>
        </form>
      ) : null}
    </div>
  );
}
