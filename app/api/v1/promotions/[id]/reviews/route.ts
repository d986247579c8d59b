import { parseJsonBody } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { ReviewPromotionInput, reviewPromotion } from "@/lib/promotion/review-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/**
 * POST /api/v1/promotions/{id}/reviews {decision: "approve" | "request_changes", comment}:
 * the signed-in person (or their personal token) reviews the promotion; the
 * review lands on the pull request. 201 with the review, the promotion and
 * its approval standing. The author is refused (403), as is a CI token.
 */
export const POST = withPermission(
  "promotion:approve",
  async (request, context: Context, principal) => {
    const { id } = await context.params;
    const body = await parseJsonBody(request, ReviewPromotionInput);
    const result = await reviewPromotion({
      ctx: getPromotionContext(),
      promotionId: id,
      principal,
      decision: body.decision,
      comment: body.comment,
    });
    return Response.json(result, { status: 201 });
  },
);
