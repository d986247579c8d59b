import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { verifyWebhook } from "@/lib/git/github/webhook";
import { apiRoute } from "@/lib/http/route";
import { sendingPromotionJobs } from "@/lib/jobs/queue";
import { log } from "@/lib/log";
import { acceptHostDelivery } from "@/lib/promotion/accept-host-delivery";
import { meaningOfGitHubEvent } from "@/lib/promotion/github-events";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const CODES = {
  400: "bad_request",
  401: "unauthenticated",
  413: "payload_too_large",
  415: "unsupported_media_type",
} as const;

/**
 * POST /api/webhooks/github: GitHub's deliveries. Verified (size, signature)
 * before anything is read from them, recorded by delivery id, and their work
 * queued for the job runner, so the answer comes at once whatever the
 * delivery sets off (GitHub gives up after 10 seconds). 202 when queued or
 * ignored, 200 for a delivery already seen.
 */
export const POST = apiRoute(async (request: Request) => {
  const config = getConfig();
  const { webhookSecret: secret, owner, repository } = config.github;
  if (!secret) {
    throw new GantryError(
      "unavailable",
      "GitHub webhooks are not set up here: GANTRY_GITHUB_WEBHOOK_SECRET is not set",
    );
  }
  if (!config.databaseUrl) {
    throw new GantryError("unavailable", "No database: DATABASE_URL is not set", {
      system: "postgres",
    });
  }
  const verdict = await verifyWebhook(request, secret);
  if (!verdict.ok) {
    return Response.json(
      { error: { code: CODES[verdict.status], message: verdict.message } },
      { status: verdict.status },
    );
  }
  const { deliveryId: delivery, eventName: event } = verdict;
  const meaning = meaningOfGitHubEvent({
    eventName: event,
    event: verdict.event,
    gitops: {
      provider: config.git.provider,
      owner,
      repository,
      defaultBranch: config.git.branch,
    },
  });
  const receipt = await acceptHostDelivery({
    ctx: { db: getDb(), jobs: sendingPromotionJobs(config.databaseUrl) },
    deliveryId: delivery,
    event,
    meaning,
  });
  if (receipt === "duplicate") {
    return Response.json({ status: "duplicate", delivery }, { status: 200 });
  }
  if ("ignored" in meaning) {
    // Unused events are routine; a delivery about another repository may be a misrouted hook.
    const level = verdict.event === null ? "debug" : "info";
    log[level]("GitHub delivery ignored", { delivery, event, reason: meaning.ignored });
    return Response.json(
      { status: "ignored", delivery, event, reason: meaning.ignored },
      { status: 202 },
    );
  }
  return Response.json({ status: "queued", delivery }, { status: 202 });
});
