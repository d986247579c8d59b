import type { Metadata } from "next";
import { notFound } from "next/navigation";
import {
  disableUserAction,
  enableUserAction,
  resetPasswordAction,
  updateGrantsAction,
} from "@/app/admin/actions";
import { AdminsOnly } from "@/components/admin/admins-only";
import { GrantsFields } from "@/components/admin/grants-fields";
import { SecretForm } from "@/components/admin/secret-form";
import { ActionForm } from "@/components/promotion/action-form";
import { Badge } from "@/components/ui/badge";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { Card } from "@/components/ui/card";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { getDb } from "@/lib/db";
import { isGantryError } from "@/lib/errors";
import { can } from "@/lib/identity/permissions";
import { requirePerson } from "@/lib/people/current-principal";
import { getUser, type UserSummary } from "@/lib/people/list-users";

export const metadata: Metadata = { title: "Person" };
export const dynamic = "force-dynamic";

export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const person = await requirePerson(`/admin/users/${encodeURIComponent(id)}`);
  if (!can(person, "user:manage")) return <AdminsOnly />;
  let user: UserSummary;
  try {
    user = await getUser({ db: getDb(), acting: person, userId: id });
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const sso = user.source === "oidc";
  return (
    <div className="max-w-3xl">
      <Breadcrumb trail={[{ href: "/admin/users", label: "People" }]} />
      <PageHeader
        title={user.name}
        description={
          <>
            {user.email} · {sso ? "single sign-on" : "password"} · last sign-in{" "}
            {user.lastSignInAt ? <RelativeTime value={user.lastSignInAt} /> : "never"}
          </>
        }
        actions={user.disabledAt ? <Badge tone="danger">disabled</Badge> : null}
      />
      {sso ? (
        <Notice title="Grants come from single sign-on" className="mb-4">
          Changes here last until this person's next sign-in, when their groups set them again.
        </Notice>
      ) : null}
      <Card id="grants" title="Grants" className="mb-6">
        <SecretForm
          action={updateGrantsAction}
          submitLabel="Save grants"
          pendingLabel="Saving…"
          hidden={{ userId: user.id }}
        >
          <GrantsFields idPrefix="edit" value={user} />
        </SecretForm>
      </Card>
      <Card id="access" title="Access" className="space-y-4">
        {sso ? null : (
          <SecretForm
            action={resetPasswordAction}
            submitLabel="Reset password"
            pendingLabel="Resetting…"
            tone="secondary"
            hidden={{ userId: user.id }}
          >
            <p className="text-sm text-slate-600">
              Gives a new one-time password, shown once, and signs them out everywhere.
            </p>
          </SecretForm>
        )}
        <ActionForm {...accessToggle(user)} hidden={{ userId: user.id }} />
      </Card>
    </div>
  );
}

/** Enable a disabled account, or disable an enabled one, with what that does in words. */
function accessToggle(user: UserSummary) {
  if (user.disabledAt) {
    return {
      action: enableUserAction,
      submitLabel: "Enable account",
      pendingLabel: "Enabling…",
      tone: "secondary",
      children: (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Disabled <RelativeTime value={user.disabledAt} />. Enabling lets them sign in again with
          the grants above.
        </p>
      ),
    } as const;
  }
  return {
    action: disableUserAction,
    submitLabel: "Disable account",
    pendingLabel: "Disabling…",
    tone: "danger",
    children: (
      <p className="text-sm text-slate-600 dark:text-slate-400">
        They cannot sign in, and every session they hold ends now. Their API tokens stop working
        with them.
      </p>
    ),
  } as const;
}
