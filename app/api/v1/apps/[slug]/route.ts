import { ApplicationPathParams } from "@/app/api/v1/operations";
import { getApplication } from "@/lib/catalogue/get-application";
import { getDb } from "@/lib/db";
import { getGitProvider } from "@/lib/git";
import { badRequest } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";

export const dynamic = "force-dynamic";

/** GET /api/v1/apps/{slug}: one application with its per-environment desired versions. */
export const GET = withPermission(
  "catalogue:read",
  async (_request: Request, context: { params: Promise<{ slug: string }> }) => {
    const params = ApplicationPathParams.safeParse(await context.params);
    if (!params.success) throw badRequest(params.error.issues.map((issue) => issue.message));
    const { slug } = params.data;
    const application = await getApplication({ db: getDb(), git: getGitProvider(), slug });
    return Response.json(application);
  },
);
