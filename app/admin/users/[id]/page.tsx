import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import {
  disableUserAction,
  enableUserAction,
  resetPasswordAction,
  updateGrantsAction,
} from "@/app/admin/actions";
import { GrantsFields } from "@/components/admin/grants-fields";
import { SecretForm } from "@/components/admin/secret-form";
import { ActionForm } from "@/components/promotion/action-form";
import { Badge } from "@/components/ui/badge";
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
  if (!can(person, "user:manage")) {
    return (
      <Notice tone="danger" title="Only admins may manage people">
        Ask an admin if you need a different role.
      </Notice>
    );
  }
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
      <p className="mb-2 text-sm">
        <Link href="/admin/users" className="text-blue-700 hover:underline">
          ← People
        </Link>
      </p>
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
        <div className="mb-4">
          <Notice title="Grants come from single sign-on">
            Changes here last until this person's next sign-in, when their groups set them again.
          </Notice>
        </div>
      ) : null}
      <section
        aria-labelledby="grants"
        className="mb-6 rounded-lg border border-slate-200 bg-white p-4"
      >
        <h2 id="grants" className="mb-3 text-base font-semibold">
          Grants
        </h2>
        <SecretForm action={updateGrantsAction} submitLabel="Save grants" pendingLabel="Saving…">
          <input type="hidden" name="userId" value={user.id} />
          <GrantsFields idPrefix="edit" value={user} />
        </SecretForm>
      </section>
      <section
        aria-labelledby="access"
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4"
      >
        <h2 id="access" className="text-base font-semibold">
          Access
        </h2>
        {sso ? null : (
          <SecretForm
            action={resetPasswordAction}
            submitLabel="Reset password"
            pendingLabel="Resetting…"
            tone="secondary"
          >
            <input type="hidden" name="userId" value={user.id} />
            <p className="text-sm text-slate-600">
              Gives a new one-time password, shown once, and signs them out everywhere.
            </p>
          </SecretForm>
        )}
        {user.disabledAt ? (
          <ActionForm
            action={enableUserAction}
            submitLabel="Enable account"
            pendingLabel="Enabling…"
            tone="secondary"
          >
            <input type="hidden" name="userId" value={user.id} />
            <p className="text-sm text-slate-600">
              Disabled <RelativeTime value={user.disabledAt} />. Enabling lets them sign in again
              with the grants above.
            </p>
          </ActionForm>
        ) : (
          <ActionForm
            action={disableUserAction}
            submitLabel="Disable account"
            pendingLabel="Disabling…"
            tone="danger"
          >
            <input type="hidden" name="userId" value={user.id} />
            <p className="text-sm text-slate-600">
              They cannot sign in, and every session they hold ends now. Their API tokens stop
              working with them.
            </p>
          </ActionForm>
        )}
      </section>
    </div>
  );
}
