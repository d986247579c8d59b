import { GantryError } from "@/lib/errors";
import { withPermission } from "@/lib/people/with-permission";
import { getPromotion } from "@/lib/promotion/get-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/**
 * GET /api/v1/promotions/{id}: the promotion, its events, and its pull
 * request as the host last showed it (kept current by webhooks, the poller
 * and Gantry's own writes, so polling costs the host nothing);
 * `?refresh=1` reads the pull request from the host now.
 */
export const GET = withPermission("promotion:read", async (request, context: Context) => {
  const { id } = await context.params;
  const refresh = new URL(request.url).searchParams.get("refresh");
  if (refresh !== null && refresh !== "1") {
    throw new GantryError("bad_request", "refresh: expected 1", { details: { field: "refresh" } });
  }
  return Response.json(
    await getPromotion({ ctx: getPromotionContext(), promotionId: id, refresh: refresh === "1" }),
  );
});
