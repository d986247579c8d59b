import { parseJsonBody } from "@/lib/http/route";
import { withPermission } from "@/lib/people/with-permission";
import { getTrainContext } from "@/lib/runtime/promotion-context";
import { RequestTrainInput, requestTrain } from "@/lib/trains/request-train";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/trains: selects, plans and requests a release train; its one
 * pull request is opened by a job. 202 with the train's id and promotions.
 * 422 naming each application that cannot be planned (nothing is opened)
 * unless `excludeFailing` leaves them out.
 */
export const POST = withPermission(
  "promotion:request",
  async (request, _context: unknown, principal) => {
    const input = await parseJsonBody(request, RequestTrainInput);
    const result = await requestTrain({ ctx: getTrainContext(), principal, input });
    return Response.json(result, {
      status: 202,
      headers: { Location: `/api/v1/trains/${result.trainId}` },
    });
  },
);
