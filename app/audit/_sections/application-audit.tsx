import { AuditEventList } from "@/components/audit/audit-event-list";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { getDb } from "@/lib/db";
import { can } from "@/lib/identity/permissions";
import { getCurrentPrincipal } from "@/lib/people/current-principal";

/** The application page's audit section: its latest events, linking to /audit?app=…. */
export async function ApplicationAudit({ application }: { application: string }) {
  const principal = await getCurrentPrincipal();
  if (!can(principal, "audit:read")) return null;
  const page = await listAuditEvents({
    db: getDb(),
    principal,
    filter: { app: application },
    page: { limit: 15 },
  });
  return (
    <AuditEventList
      title="Audit timeline"
      events={page.events}
      moreHref={`/audit?app=${encodeURIComponent(application)}`}
    />
  );
}
