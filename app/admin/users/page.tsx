import type { Metadata } from "next";
import Link from "next/link";
import { createUserAction } from "@/app/admin/actions";
import { AdminsOnly } from "@/components/admin/admins-only";
import { GrantsFields } from "@/components/admin/grants-fields";
import { ListAndForm } from "@/components/admin/list-and-form";
import { SecretForm } from "@/components/admin/secret-form";
import { UserTable } from "@/components/admin/user-table";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Field, Input } from "@/components/ui/field";
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
  if (!can(person, "user:manage")) return <AdminsOnly />;
  const { q } = await searchParams;
  const search = typeof q === "string" ? q.slice(0, 200) : undefined;
  const users = await listUsers({ db: getDb(), acting: person, search });
  return (
    <>
      <PageHeader
        title="People"
        description="Who may sign in and what they may do. People who sign in with single sign-on get their grants from their groups at every sign-in."
        actions={
          <Button asChild variant="secondary">
            <Link href="/admin/tokens">CI tokens</Link>
          </Button>
        }
      />
      <ListAndForm
        id="people"
        listTitle="Everyone"
        list={
          <>
            <search>
              <form className="mb-3 flex items-end gap-2">
                <Field
                  id="people-search"
                  label="Search people"
                  labelHidden
                  className="max-w-sm grow"
                >
                  <Input
                    name="q"
                    type="search"
                    defaultValue={search}
                    placeholder="Search by name or e-mail"
                  />
                </Field>
                <Button type="submit" variant="secondary">
                  Search
                </Button>
              </form>
            </search>
            {users.length === 0 ? (
              <EmptyState title="Nobody matches">Try another name or e-mail.</EmptyState>
            ) : (
              <UserTable users={users} now={new Date()} />
            )}
          </>
        }
        formTitle="New local account"
        form={
          <SecretForm
            action={createUserAction}
            submitLabel="Create account"
            pendingLabel="Creating…"
          >
            <Field id="new-name" label="Name">
              <Input name="name" required maxLength={200} />
            </Field>
            <Field id="new-email" label="E-mail">
              <Input name="email" type="email" required />
            </Field>
            <GrantsFields
              idPrefix="new"
              value={{ roles: ["viewer"], teams: [], approverEnvironments: [], breakGlass: false }}
            />
          </SecretForm>
        }
      />
    </>
  );
}
