import { withPermission } from "@/lib/people/with-permission";
import { getPromotionContext } from "@/lib/runtime/promotion-context";
import { getTrainPage } from "@/lib/trains/get-train-page";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

/** GET /api/v1/trains/{id}: the train, each application's progress to deployed, and what its policies still need. */
export const GET = withPermission("promotion:read", async (_request, context: Context) => {
  const { id } = await context.params;
  return Response.json(await getTrainPage({ db: getPromotionContext().db, trainId: id }));
});
