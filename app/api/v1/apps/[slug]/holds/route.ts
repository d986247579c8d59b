import { ApplicationPathParams } from "@/app/api/v1/operations";
import { getDb } from "@/lib/db";
import { badRequest } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { listApplicationHolds } from "@/lib/releases/holds";

export const dynamic = "force-dynamic";

/** GET /api/v1/apps/{slug}/holds: the holds in force on the application's versions, newest first. */
export const GET = withPermission(
  "catalogue:read",
  async (_request: Request, context: { params: Promise<{ slug: string }> }) => {
    const params = ApplicationPathParams.safeParse(await context.params);
    if (!params.success) throw badRequest(params.error.issues.map((issue) => issue.message));
    return Response.json(
      await listApplicationHolds({ db: getDb(), application: params.data.slug }),
    );
  },
);
