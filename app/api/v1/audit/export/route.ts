import { AuditExportFormat } from "@/app/api/v1/operations";
import { parseAuditQuery } from "@/lib/audit/audit-filter";
import { exportAuditEvents } from "@/lib/audit/export-audit-events";
import { getDb } from "@/lib/db";
import { badRequest, searchParamsRecord } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/audit/export?format=csv|jsonl&app=&team=&env=&actor=&action=&outcome=&from=&to=&q=
 * The matching events, oldest first, streamed as a download. Recorded as
 * `audit.exported`. Needs audit:export.
 */
export const GET = withPermission("audit:export", async (request, _context: unknown, principal) => {
  const { format: rawFormat, ...params } = searchParamsRecord(request.url);
  const format = AuditExportFormat.safeParse(
    Array.isArray(rawFormat) ? rawFormat[0] : (rawFormat ?? "csv"),
  );
  const query = parseAuditQuery(params);
  const errors = [
    ...(format.success ? [] : format.error.issues.map((issue) => issue.message)),
    ...(query.ok ? [] : query.errors),
  ];
  if (!format.success || !query.ok) throw badRequest(errors);
  const exported = await exportAuditEvents({
    db: getDb(),
    principal,
    filter: query.filter,
    format: format.data,
  });
  return new Response(exported.stream, {
    headers: {
      "Content-Type": exported.contentType,
      "Content-Disposition": `attachment; filename="${exported.filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      "X-Gantry-Audit-Up-To": exported.upTo.toString(),
    },
  });
});
