import { parseCatalogueQuery } from "@/lib/catalogue/catalogue-query";
import { listApplications } from "@/lib/catalogue/list-applications";
import { getDb } from "@/lib/db";
import { badRequest, searchParamsRecord } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";

export const dynamic = "force-dynamic";

/** GET /api/v1/apps: the catalogue page for the same parameters as /apps (q, team, tier, label, differs, archived, sort, dir, page, size). */
export const GET = withPermission("catalogue:read", async (request: Request) => {
  const parsed = parseCatalogueQuery(searchParamsRecord(request.url));
  if (!parsed.ok) throw badRequest(parsed.errors);
  const page = await listApplications({ db: getDb(), query: parsed.query });
  return Response.json(page);
});
