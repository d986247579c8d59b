import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ApplicationAudit } from "@/app/audit/_sections/application-audit";
import { ApplicationDetails } from "@/components/catalogue/application-details";
import { LiveRefresh } from "@/components/live/live-refresh";
import { ApplicationSync } from "@/components/sync/application-sync";
import { getApplication } from "@/lib/catalogue/get-application";
import { getDb } from "@/lib/db";
import { isGantryError } from "@/lib/errors";
import { getGitProvider } from "@/lib/git";
import { refusal } from "@/lib/identity/permissions";
import { requirePerson } from "@/lib/people/current-principal";
import { listApplicationSyncStatus } from "@/lib/sync-status/list-sync-status";
import { listSyncStatusChanges } from "@/lib/sync-status/list-sync-status-changes";

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
    const db = getDb();
    const [application, syncRows, syncChanges] = await Promise.all([
      getApplication({ db, git: getGitProvider(), slug }),
      listApplicationSyncStatus({ db, application: slug }),
      listSyncStatusChanges({ db, application: slug, limit: 30 }),
    ]);
    return (
      <>
        <nav aria-label="Breadcrumb" className="mb-3 text-sm text-slate-600">
          <Link href="/apps" className="hover:underline">
            Applications
          </Link>{" "}
          <span aria-hidden="true">/</span> <span>{application.slug}</span>
        </nav>
        <LiveRefresh application={application.slug} />
        <ApplicationDetails
          application={application}
          promoteRefusal={refusal(person, "promotion:request", { team: application.team.slug })}
        />
        <div className="mt-6">
          <ApplicationSync rows={syncRows} changes={syncChanges} />
        </div>
        <div className="mt-6">
          <ApplicationAudit application={application.slug} />
        </div>
      </>
    );
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    throw error;
  }
}
