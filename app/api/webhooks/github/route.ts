import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { verifyWebhook } from "@/lib/git/github/webhook";
import { forgetDelivery, recordDelivery } from "@/lib/git/github/webhook-deliveries";
import { apiRoute } from "@/lib/http/route";
import { handleGitHubEvent } from "@/lib/promotion/github-events";
import { getGitHubEventContext } from "@/lib/runtime/promotion-context";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const CODES = { 400: "bad_request", 401: "unauthenticated", 413: "payload_too_large" } as const;

/**
 * POST /api/webhooks/github: GitHub's deliveries. Verified (size, signature)
 * before anything is read from them, deduplicated by delivery id, then handed
 * to the promotion module. 202 when handled, 200 for a delivery already seen.
 */
export const POST = apiRoute(async (request: Request) => {
  const { webhookSecret: secret, owner, repository } = getConfig().github;
  if (!secret) {
    throw new GantryError(
      "unavailable",
      "GitHub webhooks are not set up here: GANTRY_GITHUB_WEBHOOK_SECRET is not set",
    );
  }
  const verdict = await verifyWebhook(request, secret);
  if (!verdict.ok) {
    return Response.json(
      { error: { code: CODES[verdict.status], message: verdict.message } },
      { status: verdict.status },
    );
  }
  const db = getDb();
  const delivery = verdict.deliveryId;
  if (!(await recordDelivery({ db, id: delivery, event: verdict.eventName }))) {
    return Response.json({ status: "duplicate", delivery }, { status: 200 });
  }
  // An organisation-wide webhook also reports other repositories: only the GitOps one matters.
  const elsewhere =
    verdict.event !== null &&
    owner !== undefined &&
    verdict.event.repository.toLowerCase() !== `${owner}/${repository}`.toLowerCase();
  if (verdict.event === null || elsewhere) {
    return Response.json(
      { status: "ignored", delivery, event: verdict.eventName },
      { status: 202 },
    );
  }
  try {
    await handleGitHubEvent(verdict.event, getGitHubEventContext());
  } catch (error) {
    await forgetDelivery({ db, id: delivery });
    throw error;
  }
  return Response.json({ status: "accepted", delivery }, { status: 202 });
});
