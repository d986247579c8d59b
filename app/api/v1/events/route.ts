import { EventsQuery } from "@/app/api/v1/operations";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { getChangeListener } from "@/lib/events/change-listener";
import { changeEventStream } from "@/lib/events/event-stream";
import { badRequest, searchParamsRecord } from "@/lib/http/route";
import { getCurrentPrincipal } from "@/lib/people/current-principal";
import { withPermission } from "@/lib/people/with-permission";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/events: Server-Sent Events telling an open page that what it
 * shows has changed (a promotion's state, a cluster's report), so it can
 * re-read instead of polling. Signed-in people (or tokens that may read).
 *
 * - `?promotion=<id>`: changes of that promotion and of its application's
 *   status in the clusters; `?application=<slug>`: that application's
 *   promotions and status; neither: every change.
 * - `event: change` with `{ kind: "promotion", promotionId, application, state }`
 *   or `{ kind: "sync", cluster, applications? }`; `event: resync` when
 *   changes may have been missed (re-read everything); a comment every 15 s.
 */
export const GET = withPermission("catalogue:read", async (request: Request) => {
  const parsed = EventsQuery.safeParse(searchParamsRecord(request.url));
  if (!parsed.success) {
    throw badRequest(
      parsed.error.issues.map((issue) =>
        issue.path.length > 0 && !issue.message.includes(":")
          ? `${issue.path.join(".")}: ${issue.message}`
          : issue.message,
      ),
    );
  }
  const filter: { promotionId?: string; application?: string } = {};
  if (parsed.data.application) filter.application = parsed.data.application;
  if (parsed.data.promotion) {
    const promotion = await getDb().promotion.findUnique({
      where: { id: parsed.data.promotion },
      select: { id: true, application: { select: { slug: true } } },
    });
    if (!promotion) {
      throw new GantryError("not_found", `no promotion with id ${parsed.data.promotion}`);
    }
    filter.promotionId = promotion.id;
    filter.application ??= promotion.application.slug;
  }
  const stream = changeEventStream({
    listener: getChangeListener(),
    filter,
    request,
    // A disabled person, an ended session or a revoked token stops the stream.
    // Asking is not the person's activity: an open page does not hold off the idle end.
    stillAllowed: async () => (await getCurrentPrincipal(request, { touch: false })) !== null,
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Proxies (nginx) must not buffer the stream.
      "x-accel-buffering": "no",
    },
  });
});
