import { getDb } from "@/lib/db";
import { parseJsonBody } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { RegisterReleaseInput, registerRelease } from "@/lib/releases/register-release";
import { getReleaseJobs } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/releases: CI registers a version it built (app, version,
 * digest, sourceRepository, commit, buildUrl, notes). 201 with the release
 * when it is new, 200 with the same release on a retry, 409 when the version
 * is registered with another digest. Needs releases:write for the app's team.
 */
export const POST = withPermission(
  "release:register",
  async (request, _context: unknown, principal) => {
    const input = await parseJsonBody(request, RegisterReleaseInput);
    const result = await registerRelease({
      db: getDb(),
      jobs: getReleaseJobs(),
      principal,
      input,
    });
    return Response.json(result, {
      status: result.created ? 201 : 200,
      headers: {
        Location: `/api/v1/apps/${encodeURIComponent(result.release.application)}/releases`,
      },
    });
  },
);
