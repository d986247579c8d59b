import type { Metadata } from "next";
import Link from "next/link";
import { PromotionTable } from "@/components/promotion/promotion-table";
import { EmptyState } from "@/components/ui/empty-state";
import { InvalidLinkPage } from "@/components/ui/error-state";
import { Field, Select } from "@/components/ui/field";
import { FilterForm, TextFilter } from "@/components/ui/filter-form";
import { PageHeader } from "@/components/ui/page-header";
import { Pager } from "@/components/ui/pager";
import { PromotionState } from "@/lib/generated/prisma/enums";
import { requirePerson } from "@/lib/people/current-principal";
import { getPromotionsPage } from "@/lib/promotion/get-promotions-page";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const metadata: Metadata = { title: "Promotions" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function PromotionsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePerson();
  const view = await getPromotionsPage({
    ctx: getPromotionContext(),
    searchParams: await searchParams,
  });
  if (!view.ok) {
    return <InvalidLinkPage heading="Promotions" problems={view.errors} resetHref="/promotions" />;
  }
  const { query, page } = view;
  return (
    <>
      <PageHeader
        title="Promotions"
        description="Every change requested through Gantry, newest first."
      />
      <FilterForm label="Filter promotions" action="/promotions" className="md:grid-cols-5">
        <Field id="filter-state" label="State">
          <Select name="state" defaultValue={query.state[0] ?? ""}>
            <option value="">Any state</option>
            {Object.values(PromotionState).map((state) => (
              <option key={state} value={state}>
                {state.replace("_", " ")}
              </option>
            ))}
          </Select>
        </Field>
        <TextFilter
          id="filter-app"
          name="app"
          label="Application"
          value={query.app}
          placeholder="slug"
        />
        <TextFilter
          id="filter-env"
          name="env"
          label="Environment"
          value={query.env}
          placeholder="e.g. prod"
        />
        <TextFilter
          id="filter-person"
          name="person"
          label="Requested by"
          value={query.person}
          placeholder="name or email"
        />
      </FilterForm>
      {page.items.length === 0 ? (
        <EmptyState title="No promotions yet">
          Promote a release from an application's page:{" "}
          <Link href="/apps" className="underline">
            Applications
          </Link>
          .
        </EmptyState>
      ) : (
        <PromotionTable promotions={page.items} />
      )}
      <Pager
        summary={`${page.total.toLocaleString("en")} promotion${page.total === 1 ? "" : "s"} · page ${page.page} of ${page.pageCount}`}
        steps={[
          { href: view.previousHref, text: "‹ Previous" },
          { href: view.nextHref, text: "Next ›" },
        ]}
      />
    </>
  );
}
