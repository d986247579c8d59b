import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { AuditEventList } from "@/components/audit/audit-event-list";
import { ApplicationDetails } from "@/components/catalogue/application-details";
import { LiveRefresh } from "@/components/live/live-refresh";
import { HeldVersions } from "@/components/releases/held-versions";
import { ReleaseProgress } from "@/components/releases/release-progress";
import { ApplicationSync } from "@/components/sync/application-sync";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { getDb } from "@/lib/db";
import { isGantryError } from "@/lib/errors";
import { getGitProvider } from "@/lib/git";
import { requirePerson } from "@/lib/people/current-principal";
import { getApplicationPage } from "@/lib/sync/get-application-page";
import { releaseHoldAction } from "./rollback/actions";

export const dynamic = "force-dynamic";

type Params = Promise<{ slug: string }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { slug } = await params;
  return { title: slug };
}

export default async function ApplicationPage({ params }: { params: Params }) {
  const person = await requirePerson();
  const { slug } = await params;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) notFound();
  try {
    const view = await getApplicationPage({
      db: getDb(),
      git: getGitProvider(),
      principal: person,
      slug,
    });
    const { application } = view;
    return (
      <>
        <Breadcrumb trail={[{ href: "/apps", label: "Applications" }]} current={application.slug} />
        <LiveRefresh application={application.slug} />
        <ApplicationDetails application={application} promoteRefusal={view.promoteRefusal} />
        <HeldVersions holds={view.holds} releaseAction={releaseHoldAction} className="mt-6" />
        <div className="mt-6">
          <ReleaseProgress releases={view.releases} now={new Date()} />
        </div>
        <div className="mt-6">
          <ApplicationSync rows={view.sync} changes={view.syncChanges} />
        </div>
        {view.audit ? (
          <div className="mt-6">
            <AuditEventList
              title="Audit timeline"
              events={view.audit}
              moreHref={`/audit?app=${encodeURIComponent(application.slug)}`}
            />
          </div>
        ) : null}
      </>
    );
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    throw error;
  }
}
