import { getApplication } from "@/lib/catalogue/get-application";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { getGitProvider } from "@/lib/git";
import { withPermission } from "@/lib/people/with-permission";

export const dynamic = "force-dynamic";

/** GET /api/v1/apps/{slug}: one application with its per-environment desired versions. */
export const GET = withPermission(
  "catalogue:read",
  async (_request: Request, context: { params: Promise<{ slug: string }> }) => {
    const { slug } = await context.params;
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) {
      throw new GantryError("bad_request", "slug: expected a lowercase application slug");
    }
    const application = await getApplication({ db: getDb(), git: getGitProvider(), slug });
    return Response.json(application);
  },
);
