import { getDb } from "@/lib/db";
import { apiRoute } from "@/lib/http/route";
import { getReleaseJobs } from "@/lib/runtime/promotion-context";
import { authenticateCluster } from "@/lib/sync/authenticate-cluster";
import { ingestReport } from "@/lib/sync/ingest-report";
import { parseSyncReport } from "@/lib/sync/parse-sync-report";
import { readReportBody } from "@/lib/sync/read-report-body";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/v1/clusters/{cluster}/reports: a status report from the
 * cluster's agent (body: `SyncReportSchema` in lib/sync-status/report.ts, JSON,
 * optionally `Content-Encoding: gzip`).
 *
 * - 200 `{ cluster, kind, items, written, unchanged, changes, missing }`
 * - 400 the body is not JSON/gzip, or fails the schema (every bad field named)
 * - 401 missing, malformed, unknown or revoked cluster token
 * - 403 the token belongs to another cluster (or the cluster was archived)
 * - 413 the body, after decompression, exceeds MAX_REPORT_BYTES
 * - 422 the whole report is refused, nothing written, when any item names an
 *   application not in the catalogue or an environment other than the
 *   cluster's; `error.details.rejected` lists them (index, app, env, reason)
 *
 * Items observed before the stored state of the same object are ignored
 * (newest wins); a `snapshot` marks the objects it does not list as Missing.
 */
export const POST = apiRoute(
  async (request: Request, context: { params: Promise<{ cluster: string }> }) => {
    const { cluster: name } = await context.params;
    const db = getDb();
    const cluster = await authenticateCluster({ db, request, cluster: name });
    const report = parseSyncReport(await readReportBody(request));
    return Response.json(
      await ingestReport({ db, cluster, report, releaseJobs: getReleaseJobs() }),
    );
  },
);
