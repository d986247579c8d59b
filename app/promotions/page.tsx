import type { Metadata } from "next";
import Link from "next/link";
import { PromotionStateBadge } from "@/components/promotion/state-badge";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { PromotionState } from "@/lib/generated/prisma/enums";
import { requirePerson } from "@/lib/people/current-principal";
import { listPromotions, PromotionQuerySchema } from "@/lib/promotion/list-promotions";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const metadata: Metadata = { title: "Promotions" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function PromotionsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePerson();
  const raw = Object.fromEntries(
    Object.entries(await searchParams).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = PromotionQuerySchema.safeParse(raw);
  if (!parsed.success) {
    return (
      <>
        <PageHeader title="Promotions" />
        <Notice tone="danger" title="This link has a filter Gantry does not understand">
          <ul className="list-disc pl-5">
            {parsed.error.issues.map((issue) => (
              <li key={`${issue.path.join(".")}:${issue.message}`}>
                {issue.path.join(".")}: {issue.message}
              </li>
            ))}
          </ul>
        </Notice>
      </>
    );
  }
  const query = parsed.data;
  const page = await listPromotions({ ctx: getPromotionContext(), query });
  const link = (change: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams();
    const merged = {
      state: query.state[0],
      app: query.app,
      env: query.env,
      person: query.person,
      page: query.page,
      ...change,
    };
    for (const [key, value] of Object.entries(merged)) {
      if (value !== undefined && value !== "" && !(key === "page" && value === 1))
        params.set(key, String(value));
    }
    const search = params.toString();
    return `/promotions${search ? `?${search}` : ""}`;
  };
  const field = "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  return (
    <>
      <PageHeader
        title="Promotions"
        description="Every change requested through Gantry, newest first."
      />
      <search aria-label="Filter promotions">
        <form method="get" className="mb-4 grid grid-cols-2 gap-3 md:grid-cols-5">
          <div>
            <label htmlFor="filter-state" className="mb-1 block text-xs font-medium text-slate-700">
              State
            </label>
            <select
              id="filter-state"
              name="state"
              defaultValue={query.state[0] ?? ""}
              className={field}
            >
              <option value="">Any state</option>
              {Object.values(PromotionState).map((state) => (
                <option key={state} value={state}>
                  {state.replace("_", " ")}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="filter-app" className="mb-1 block text-xs font-medium text-slate-700">
              Application
            </label>
            <input
              id="filter-app"
              name="app"
              defaultValue={query.app ?? ""}
              className={field}
              placeholder="slug"
            />
          </div>
          <div>
            <label htmlFor="filter-env" className="mb-1 block text-xs font-medium text-slate-700">
              Environment
            </label>
            <input
              id="filter-env"
              name="env"
              defaultValue={query.env ?? ""}
              className={field}
              placeholder="e.g. prod"
            />
          </div>
          <div>
            <label
              htmlFor="filter-person"
              className="mb-1 block text-xs font-medium text-slate-700"
            >
              Requested by
            </label>
            <input
              id="filter-person"
              name="person"
              defaultValue={query.person ?? ""}
              className={field}
              placeholder="name or email"
            />
          </div>
          <div className="flex items-end gap-2">
            <button
              type="submit"
              className="rounded-md bg-blue-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-800"
            >
              Apply
            </button>
            <a
              href="/promotions"
              className="rounded-md px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-100"
            >
              Reset
            </a>
          </div>
        </form>
      </search>
      {page.items.length === 0 ? (
        <Notice title="No promotions yet">
          Promote a release from an application's page:{" "}
          <Link href="/apps" className="underline">
            Applications
          </Link>
          .
        </Notice>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-sm">
            <caption className="sr-only">Promotions, newest first</caption>
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Promotion
                </th>
                <th scope="col" className="px-3 py-2">
                  Version
                </th>
                <th scope="col" className="px-3 py-2">
                  State
                </th>
                <th scope="col" className="px-3 py-2">
                  Requested by
                </th>
                <th scope="col" className="px-3 py-2">
                  Pull request
                </th>
                <th scope="col" className="px-3 py-2">
                  Requested
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {page.items.map((p) => (
                <tr key={p.id}>
                  <th scope="row" className="px-3 py-2 text-left font-normal">
                    <Link
                      href={`/promotions/${p.id}`}
                      className="font-medium text-blue-800 hover:underline"
                    >
                      {p.application.slug} → {p.toEnvironment.name}
                    </Link>
                  </th>
                  <td className="px-3 py-2 font-mono text-xs">
                    {p.previousVersion} → {p.version}
                  </td>
                  <td className="px-3 py-2">
                    <PromotionStateBadge state={p.state} />
                  </td>
                  <td className="px-3 py-2">{p.requestedBy.name}</td>
                  <td className="px-3 py-2">{p.prNumber ? `#${p.prNumber}` : "—"}</td>
                  <td className="px-3 py-2">
                    <RelativeTime value={new Date(p.createdAt)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav aria-label="Pagination" className="mt-4 flex items-center justify-between text-sm">
        <p className="text-slate-600">
          {page.total.toLocaleString("en")} promotion{page.total === 1 ? "" : "s"} · page{" "}
          {page.page} of {page.pageCount}
        </p>
        <div className="flex gap-2">
          {page.page > 1 ? (
            <Link
              href={link({ page: page.page - 1 })}
              className="rounded-md px-2.5 py-1 text-blue-800 hover:bg-slate-100"
            >
              ‹ Previous
            </Link>
          ) : null}
          {page.page < page.pageCount ? (
            <Link
              href={link({ page: page.page + 1 })}
              className="rounded-md px-2.5 py-1 text-blue-800 hover:bg-slate-100"
            >
              Next ›
            </Link>
          ) : null}
        </div>
      </nav>
    </>
  );
}
