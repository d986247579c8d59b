import { parseJsonBody } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { ClosePromotionInput, closePromotion } from "@/lib/promotion/close-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** POST /api/v1/promotions/{id}/close {reason?}: closes the promotion and its pull request. */
export const POST = withPermission(
  "promotion:close",
  async (request, context: Context, principal) => {
    const { id } = await context.params;
    const body = await parseJsonBody(request, ClosePromotionInput);
    return Response.json(
      await closePromotion({
        ctx: getPromotionContext(),
        promotionId: id,
        principal,
        reason: body.reason,
      }),
    );
  },
);
