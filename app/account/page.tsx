import type { Metadata } from "next";
import Link from "next/link";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { requirePerson } from "@/lib/people/current-principal";

export const metadata: Metadata = { title: "Your account" };

function List({ items, empty }: { items: readonly string[]; empty: string }) {
  if (items.length === 0) return <span className="text-slate-500">{empty}</span>;
  return (
    <ul className="flex flex-wrap gap-1.5">
      {items.map((item) => (
        <li
          key={item}
          className="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-800"
        >
          {item === "*" ? "every environment" : item}
        </li>
      ))}
    </ul>
  );
}

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const person = await requirePerson("/account");
  const { password } = await searchParams;
  return (
    <div className="max-w-2xl">
      <PageHeader title="Your account" description={`${person.name} · ${person.email}`} />
      {password === "changed" ? (
        <div className="mb-6">
          <Notice title="Password changed">Other browsers signed in as you were signed out.</Notice>
        </div>
      ) : null}
      <dl className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-sm">
        <div className="grid grid-cols-3 gap-4 px-4 py-3">
          <dt className="font-medium text-slate-600">Roles</dt>
          <dd className="col-span-2">
            <List items={person.roles} empty="none" />
          </dd>
        </div>
        <div className="grid grid-cols-3 gap-4 px-4 py-3">
          <dt className="font-medium text-slate-600">Teams</dt>
          <dd className="col-span-2">
            <List items={person.teams} empty="none" />
          </dd>
        </div>
        <div className="grid grid-cols-3 gap-4 px-4 py-3">
          <dt className="font-medium text-slate-600">Approves for</dt>
          <dd className="col-span-2">
            <List items={person.approverEnvironments} empty="no environment" />
          </dd>
        </div>
        <div className="grid grid-cols-3 gap-4 px-4 py-3">
          <dt className="font-medium text-slate-600">Break-glass</dt>
          <dd className="col-span-2">
            {person.breakGlass ? "may promote during a freeze, giving a reason" : "no"}
          </dd>
        </div>
        <div className="grid grid-cols-3 gap-4 px-4 py-3">
          <dt className="font-medium text-slate-600">Git host login</dt>
          <dd className="col-span-2">
            {person.gitLogin ?? <span className="text-slate-500">not linked</span>}
          </dd>
        </div>
      </dl>
      <p className="mt-6 text-sm">
        <Link href="/account/password" className="text-blue-700 hover:underline">
          Change password
        </Link>
        {" · "}
        <Link href="/account/tokens" className="text-blue-700 hover:underline">
          API tokens
        </Link>
      </p>
    </div>
  );
}
