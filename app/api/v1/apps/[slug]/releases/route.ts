import { ApplicationPathParams } from "@/app/api/v1/operations";
import { getDb } from "@/lib/db";
import { badRequest, searchParamsRecord } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { listReleases, ReleaseQuerySchema } from "@/lib/releases/list-releases";

export const dynamic = "force-dynamic";

/** GET /api/v1/apps/{slug}/releases?page=&size=: the application's releases, newest first. */
export const GET = withPermission(
  "catalogue:read",
  async (request: Request, context: { params: Promise<{ slug: string }> }, principal) => {
    const params = ApplicationPathParams.safeParse(await context.params);
    if (!params.success) throw badRequest(params.error.issues.map((issue) => issue.message));
    const { slug } = params.data;
    const parsed = ReleaseQuerySchema.safeParse(searchParamsRecord(request.url));
    if (!parsed.success) {
      throw badRequest(
        parsed.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`),
      );
    }
    return Response.json(
      await listReleases({ db: getDb(), principal, app: slug, query: parsed.data }),
    );
  },
);
