import { ImportsQuery, listImportRuns } from "@/lib/catalogue/list-imports";
import { getDb } from "@/lib/db";
import { badRequest, searchParamsRecord } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";

export const dynamic = "force-dynamic";

/** GET /api/v1/imports?limit=20&status=failed: import runs, newest first, each with its counts and every problem. */
export const GET = withPermission("catalogue:read", async (request: Request) => {
  const parsed = ImportsQuery.safeParse(searchParamsRecord(request.url));
  if (!parsed.success) {
    throw badRequest(
      parsed.error.issues.map((issue) =>
        issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
      ),
    );
  }
  return Response.json(await listImportRuns({ db: getDb(), query: parsed.data }));
});
