import { ApplicationPathParams, RollbackProposalQuery } from "@/app/api/v1/operations";
import { badRequest, parseJsonBody, searchParamsRecord } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { getRollbackProposal } from "@/lib/releases/get-rollback-proposal";
import { RollBackBody, rollBack } from "@/lib/releases/roll-back";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ slug: string }> };

async function applicationOf(context: Context): Promise<string> {
  const params = ApplicationPathParams.safeParse(await context.params);
  if (!params.success) throw badRequest(params.error.issues.map((issue) => issue.message));
  return params.data.slug;
}

/** GET /api/v1/apps/{slug}/rollback?environment=E: the version a rollback would go to, and its diff. */
export const GET = withPermission("promotion:read", async (request: Request, context: Context) => {
  const application = await applicationOf(context);
  const query = RollbackProposalQuery.safeParse(searchParamsRecord(request.url));
  if (!query.success) {
    throw badRequest(query.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`));
  }
  return Response.json(
    await getRollbackProposal({
      ctx: getPromotionContext(),
      application,
      environment: query.data.environment,
    }),
  );
});

/**
 * POST /api/v1/apps/{slug}/rollback {environment, reason, version?, freezeReason?}:
 * opens a promotion of kind `rollback` and holds the version rolled back
 * from. 202 with the promotion; 409 when frozen without freezeReason or
 * when `version` is no longer the one proposed.
 */
export const POST = withPermission(
  "promotion:request",
  async (request: Request, context: Context, principal) => {
    const application = await applicationOf(context);
    const body = await parseJsonBody(request, RollBackBody);
    const result = await rollBack({
      ctx: getPromotionContext(),
      principal,
      application,
      ...body,
    });
    return Response.json(result, {
      status: 202,
      headers: { Location: `/api/v1/promotions/${result.promotion.id}` },
    });
  },
);
