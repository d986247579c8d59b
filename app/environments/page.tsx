import type { Metadata } from "next";
import { EnvironmentList } from "@/components/environments/environment-list";
import { Notice } from "@/components/ui/notice";
import { PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/lib/db";
import { requirePerson } from "@/lib/people/current-principal";
import { listEnvironmentPolicies } from "@/lib/policy/list-environment-policies";

export const metadata: Metadata = { title: "Environments" };
export const dynamic = "force-dynamic";

/** Environments in delivery order with their clusters and promotion policy, as environments.yaml says. */
export default async function EnvironmentsPage() {
  await requirePerson();
  const environments = await listEnvironmentPolicies({ db: getDb() });
  return (
    <>
      <PageHeader
        title="Environments"
        description="In delivery order. Each environment's policy lives in environments.yaml in the GitOps repository, so changing it is itself a reviewed pull request. Times are in UTC."
      />
      {environments.length === 0 ? (
        <Notice title="No environments yet">
          Environments come from <code>environments.yaml</code> in the GitOps repository; they
          appear here after the next import.
        </Notice>
      ) : (
        <EnvironmentList environments={environments} />
      )}
    </>
  );
}
