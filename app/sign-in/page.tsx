import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { Button } from "@/components/ui/button";
import { cardClass } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { getConfig } from "@/lib/config";
import { getSignedInPerson } from "@/lib/people/current-principal";
import { safeNextPath } from "@/lib/people/safe-next-path";
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
    <div className={cn(cardClass, "mx-auto mt-12 max-w-sm p-6 shadow-sm")}>
      <h1 className="mb-1 text-xl font-semibold tracking-tight">Sign in to Gantry</h1>
      <p className="mb-6 text-sm text-slate-600">
        Every change is made by a signed-in person with the right role.
      </p>
      <SignInForm action={signInAction} next={next} />
      {getConfig().oidc ? (
        <form action={ssoSignInAction} className="mt-4 border-t border-slate-200 pt-4">
          <input type="hidden" name="next" value={next} />
          {params.sso === "failed" ? (
            <p role="alert" className="mb-3 text-sm text-red-900 dark:text-red-300">
              Single sign-on did not complete. Try again, or ask an admin.
            </p>
          ) : null}
          <Button type="submit" variant="secondary" className="w-full">
            Sign in with single sign-on
          </Button>
        </form>
      ) : null}
    </div>
  );
}
