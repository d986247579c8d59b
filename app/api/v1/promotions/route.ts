import { badRequest, searchParamsRecord } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { CreatePromotionBody, parseJsonBody } from "@/lib/promotion/api-schemas";
import { listPromotions, PromotionQuerySchema } from "@/lib/promotion/list-promotions";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/promotions: plans and requests a promotion; its pull request
 * is opened by a job. 202 with the promotion (state `planned`) and a Location.
 */
export const POST = withPermission(
  "promotion:request",
  async (request, _context: unknown, principal) => {
    const body = await parseJsonBody(request, CreatePromotionBody);
    const result = await requestPromotion({
      ctx: getPromotionContext(),
      principal,
      application: body.app,
      environment: body.environment,
      version: body.version,
      reason: body.reason,
      skipOrder: body.skipOrder,
      allowNewVersion: body.allowNewVersion,
      breakGlassReason: body.breakGlassReason,
    });
    return Response.json(result, {
      status: 202,
      headers: { Location: `/api/v1/promotions/${result.promotion.id}` },
    });
  },
);

/** GET /api/v1/promotions?state=&app=&env=&person=&page=&size=: newest first, paged. */
export const GET = withPermission("promotion:read", async (request) => {
  const parsed = PromotionQuerySchema.safeParse(searchParamsRecord(request.url));
  if (!parsed.success) {
    throw badRequest(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return Response.json(await listPromotions({ ctx: getPromotionContext(), query: parsed.data }));
});
