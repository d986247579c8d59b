import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { RollbackProposal } from "@/components/releases/rollback-proposal";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { isGantryError } from "@/lib/errors";
import { requirePerson } from "@/lib/people/current-principal";
import { getRollbackPage } from "@/lib/releases/get-rollback-page";
import { getPromotionContext } from "@/lib/runtime/promotion-context";
import { rollBackAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Roll back" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The rollback proposal of one environment: the version, the exact diff, and the form. */
export default async function RollbackPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: SearchParams;
}) {
  const person = await requirePerson();
  const { slug } = await params;
  const query = await searchParams;
  const env = Array.isArray(query.env) ? query.env[0] : query.env;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) notFound();
  if (!env || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(env)) notFound();
  try {
    const view = await getRollbackPage({
      ctx: getPromotionContext(),
      principal: person,
      application: slug,
      environment: env,
    });
    return (
      <div className="mx-auto max-w-4xl">
        <Breadcrumb
          trail={[
            { href: "/apps", label: "Applications" },
            { href: `/apps/${slug}`, label: slug },
          ]}
          current="Roll back"
        />
        <RollbackProposal view={view} action={rollBackAction} />
      </div>
    );
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    throw error;
  }
}
