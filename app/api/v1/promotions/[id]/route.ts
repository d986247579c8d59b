import { withPermission } from "@/lib/people/with-permission";
import { getPromotion } from "@/lib/promotion/get-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** GET /api/v1/promotions/{id}: the promotion, its events, and its pull request as the host shows it. */
export const GET = withPermission("promotion:read", async (_request, context: Context) => {
  const { id } = await context.params;
  return Response.json(await getPromotion({ ctx: getPromotionContext(), promotionId: id }));
});
