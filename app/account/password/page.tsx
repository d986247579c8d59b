import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/auth/change-password-form";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { PASSWORD_MIN_LENGTH } from "@/lib/people/create-user";
import { getSignedInPerson, requirePerson } from "@/lib/people/current-principal";
import { changePasswordAction } from "../actions";

export const metadata: Metadata = { title: "Change password" };

export default async function ChangePasswordPage() {
  await requirePerson("/account/password");
  const signedIn = await getSignedInPerson();
  return (
    <div className="max-w-md">
      <PageHeader
        title="Change password"
        description="Every other browser signed in as you is signed out."
      />
      {signedIn?.mustChangePassword ? (
        <div className="mb-6">
          <Notice tone="warning" title="Choose a new password before you go on">
            Your password was set for you (first start, or reset by an admin).
          </Notice>
        </div>
      ) : null}
      <ChangePasswordForm action={changePasswordAction} minLength={PASSWORD_MIN_LENGTH} />
    </div>
  );
}
