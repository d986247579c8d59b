import { getDb } from "@/lib/db";
import { parseJsonBody } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { ReleaseHoldBody, releaseHold } from "@/lib/releases/release-hold";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/**
 * POST /api/v1/holds/{id}/release {reason}: lifts a hold, so the rules may
 * promote the version again; audited. For approvers of the environment it
 * was placed in; 409 when it was released already.
 */
export const POST = withPermission(
  "promotion:approve",
  async (request: Request, context: Context, principal) => {
    const { id } = await context.params;
    const body = await parseJsonBody(request, ReleaseHoldBody);
    return Response.json(
      await releaseHold({ db: getDb(), principal, holdId: id, reason: body.reason }),
    );
  },
);
