import type { Metadata } from "next";
import Link from "next/link";
import { cardClass } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
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
          className="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-800 dark:bg-slate-800 dark:text-slate-200"
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
        <Notice title="Password changed" className="mb-6">
          Other browsers signed in as you were signed out.
        </Notice>
      ) : null}
      <dl className={cn(cardClass, "divide-y divide-slate-200 text-sm dark:divide-slate-700")}>
        {[
          { term: "Roles", value: <List items={person.roles} empty="none" /> },
          { term: "Teams", value: <List items={person.teams} empty="none" /> },
          {
            term: "Approves for",
            value: <List items={person.approverEnvironments} empty="no environment" />,
          },
          {
            term: "Break-glass",
            value: person.breakGlass ? "may promote during a freeze, giving a reason" : "no",
          },
          {
            term: "Git host login",
            value: person.gitLogin ?? <span className="text-slate-500">not linked</span>,
          },
        ].map(({ term, value }) => (
          <div key={term} className="grid grid-cols-3 gap-4 px-4 py-3">
            <dt className="font-medium text-slate-600 dark:text-slate-400">{term}</dt>
            <dd className="col-span-2">{value}</dd>
          </div>
        ))}
      </dl>
      <p className="mt-6 text-sm">
        <Link href="/account/password" className="text-blue-700 hover:underline dark:text-blue-300">
          Change password
        </Link>
        {" · "}
        <Link href="/account/tokens" className="text-blue-700 hover:underline dark:text-blue-300">
          API tokens
        </Link>
      </p>
    </div>
  );
}
