import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getSignedInPerson, safeNextPath } from "@/lib/auth/current-principal";
import { signInAction } from "./actions";

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
      {/* Single sign-on (lib/auth/oidc.ts) adds its button here when GANTRY_OIDC_ISSUER is set. */}
    </div>
  );
}
