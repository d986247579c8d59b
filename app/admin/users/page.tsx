import type { Metadata } from "next";
import Link from "next/link";
import { createUserAction } from "@/app/admin/actions";
import { GrantsFields, textInputClass } from "@/components/admin/grants-fields";
import { SecretForm } from "@/components/admin/secret-form";
import { UserTable } from "@/components/admin/user-table";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/lib/db";
import { can } from "@/lib/identity/permissions";
import { requirePerson } from "@/lib/people/current-principal";
import { listUsers } from "@/lib/people/list-users";

export const metadata: Metadata = { title: "People" };
export const dynamic = "force-dynamic";

export default async function UsersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const person = await requirePerson("/admin/users");
  if (!can(person, "user:manage")) {
    return (
      <Notice tone="danger" title="Only admins may manage people">
        Ask an admin if you need a different role.
      </Notice>
    );
  }
  const { q } = await searchParams;
  const search = typeof q === "string" ? q.slice(0, 200) : undefined;
  const users = await listUsers({ db: getDb(), acting: person, search });
  return (
    <>
      <PageHeader
        title="People"
        description="Who may sign in and what they may do. People who sign in with single sign-on get their grants from their groups at every sign-in."
        actions={
          <Link
            href="/admin/tokens"
            className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50"
          >
            CI tokens
          </Link>
        }
      />
      <div className="grid gap-6 lg:grid-cols-3">
        <section aria-labelledby="people" className="lg:col-span-2">
          <h2 id="people" className="sr-only">
            Everyone
          </h2>
          <search>
            <form className="mb-3 flex gap-2">
              <label htmlFor="people-search" className="sr-only">
                Search people
              </label>
              <input
                id="people-search"
                name="q"
                type="search"
                defaultValue={search}
                placeholder="Search by name or e-mail"
                className={`${textInputClass} mt-0 max-w-sm`}
              />
              <button
                type="submit"
                className="rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50"
              >
                Search
              </button>
            </form>
          </search>
          {users.length === 0 ? (
            <Notice title="Nobody matches">Try another name or e-mail.</Notice>
          ) : (
            <UserTable users={users} now={new Date()} />
          )}
        </section>
        <section
          aria-labelledby="new-person"
          className="rounded-lg border border-slate-200 bg-white p-4"
        >
          <h2 id="new-person" className="mb-3 text-base font-semibold">
            New local account
          </h2>
          <SecretForm
            action={createUserAction}
            submitLabel="Create account"
            pendingLabel="Creating…"
          >
            <div>
              <label htmlFor="new-name" className="block text-sm font-medium text-slate-700">
                Name
              </label>
              <input
                id="new-name"
                name="name"
                required
                maxLength={200}
                className={textInputClass}
              />
            </div>
            <div>
              <label htmlFor="new-email" className="block text-sm font-medium text-slate-700">
                E-mail
              </label>
              <input id="new-email" name="email" type="email" required className={textInputClass} />
            </div>
            <GrantsFields
              idPrefix="new"
              value={{ roles: ["viewer"], teams: [], approverEnvironments: [], breakGlass: false }}
            />
          </SecretForm>
        </section>
      </div>
    </>
  );
}
