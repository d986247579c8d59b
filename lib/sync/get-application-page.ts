import { type AuditEventRow, listAuditEvents } from "@/lib/audit/list-audit-events";
import { type ApplicationView, getApplication } from "@/lib/catalogue/get-application";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { can, refusal } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { listActiveHolds, type ReleaseHoldView } from "@/lib/releases/holds";
import {
  listReleaseProgress,
  type ReleaseProgressView,
} from "@/lib/releases/list-release-progress";
import {
  type ApplicationSyncRow,
  listApplicationSyncStatus,
} from "@/lib/sync-status/list-sync-status";
import {
  listSyncStatusChanges,
  type SyncStatusChangeView,
} from "@/lib/sync-status/list-sync-status-changes";

const RECENT_SYNC_CHANGES = 30;
const RECENT_AUDIT_EVENTS = 15;

/** What an application's page shows. */
export interface ApplicationPageView {
  application: ApplicationView;
  /** Why the person may not promote it, in words; null when they may (the server checks again). */
  promoteRefusal: string | null;
  sync: ApplicationSyncRow[];
  syncChanges: SyncStatusChangeView[];
  /** Its latest audit events; null when the person may not read the audit log. */
  audit: AuditEventRow[] | null;
  /** Versions held after a rollback, and whether the person may release each hold. */
  holds: (ReleaseHoldView & { mayRelease: boolean })[];
  /** Its releases registered by CI, newest first, with where each one is now. */
  releases: ReleaseProgressView[];
}

/**
 * The view model of /apps/{slug}: the application as the catalogue and Git
 * know it, what each cluster reports, its recent status changes and audit
 * events. An unknown application is a not_found error.
 */
export async function getApplicationPage(params: {
  db: PrismaClient;
  git: GitReader;
  principal: Principal;
  slug: string;
}): Promise<ApplicationPageView> {
  const { db, principal, slug } = params;
  const [application, sync, syncChanges, audit, holds, releases] = await Promise.all([
    getApplication({ db, git: params.git, slug }),
    listApplicationSyncStatus({ db, application: slug }),
    listSyncStatusChanges({ db, application: slug, limit: RECENT_SYNC_CHANGES }),
    can(principal, "audit:read")
      ? listAuditEvents({
          db,
          principal,
          filter: { app: slug },
          page: { limit: RECENT_AUDIT_EVENTS },
        }).then((page) => page.events)
      : Promise.resolve(null),
    listActiveHolds({ db, application: slug }),
    listReleaseProgress({ db, application: slug }),
  ]);
  return {
    application,
    promoteRefusal: refusal(principal, "promotion:request", { team: application.team.slug }),
    sync,
    syncChanges,
    audit,
    holds: holds.map((hold) => ({
      ...hold,
      mayRelease:
        refusal(principal, "promotion:approve", {
          team: application.team.slug,
          environment: hold.environment,
        }) === null,
    })),
    releases,
  };
}
