import { badRequest, parseJsonBody, searchParamsRecord } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { listPromotions, PromotionQuerySchema } from "@/lib/promotion/list-promotions";
import {
  RequestPromotionInput,
  requestPromotion,
  requestPromotionParams,
} from "@/lib/promotion/request-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/promotions: plans and requests a promotion; its pull request
 * is opened by a job. 202 with the promotion (state `planned`) and a Location.
 * With `plannedAt` (the base commit and blob of a plan the caller showed),
 * 409 when the values file changed since, with the new plan in
 * `details.changedPlan`.
 */
export const POST = withPermission(
  "promotion:request",
  async (request, _context: unknown, principal) => {
    const input = await parseJsonBody(request, RequestPromotionInput);
    const result = await requestPromotion({
      ctx: getPromotionContext(),
      principal,
      ...requestPromotionParams(input),
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
