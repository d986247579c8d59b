import { withPermission } from "@/lib/people/with-permission";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** POST /api/v1/promotions/{id}/merge: merges the pull request; the catalogue is re-imported. */
export const POST = withPermission(
  "promotion:merge",
  async (_request, context: Context, principal) => {
    const { id } = await context.params;
    return Response.json(
      await mergePromotion({ ctx: getPromotionContext(), promotionId: id, principal }),
    );
  },
);
