import { withPermission } from "@/lib/people/with-permission";
import { retryPromotion } from "@/lib/promotion/retry-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** POST /api/v1/promotions/{id}/retry: a failed promotion tries again (202: the job runs). */
export const POST = withPermission(
  "promotion:retry",
  async (_request, context: Context, principal) => {
    const { id } = await context.params;
    return Response.json(
      await retryPromotion({ ctx: getPromotionContext(), promotionId: id, principal }),
      { status: 202 },
    );
  },
);
