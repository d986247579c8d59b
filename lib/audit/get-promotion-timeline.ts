import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";

export type TimelineStepKind =
  | "requested"
  | "pr_opened"
  | "review"
  | "merged"
  | "synced"
  | "healthy"
  | "deployed"
  | "failed"
  | "ended";

interface TimelineStep {
  kind: TimelineStepKind;
  /** What happened, in words: "Pull request #12 opened", "Synced on prod-eu-1". */
  label: string;
  /** ISO 8601. */
  at: string;
  who: string | null;
  /** Seconds since the step before; null for the first. */
  sincePreviousSeconds: number | null;
}

export interface PromotionTimeline {
  promotionId: string;
  steps: TimelineStep[];
  /** Clusters of the target environment that have not reported the merge synced and healthy yet. */
  waitingFor: string[];
  /** PR opened → deployed, when both happened. */
  leadTimeSeconds: number | null;
}

const REVIEW_WORDS: Record<string, string> = {
  approve: "Approved",
  request_changes: "Changes requested",
};

/**
 * A promotion's way from request to running: PR opened → each review →
 * merged → each target cluster synced, then healthy, at the merge commit
 * (from the status history the clusters reported after the merge) →
 * deployed, or how it ended. Steps in time order, with the time between
 * each and the one before. Needs promotion:read.
 */
export async function getPromotionTimeline(params: {
  db: PrismaClient;
  principal: Principal | null;
  promotionId: string;
}): Promise<PromotionTimeline> {
  assertCan(params.principal, "promotion:read");
  const { db } = params;
  const promotion = await db.promotion.findUnique({
    where: { id: params.promotionId },
    select: {
      id: true,
      applicationId: true,
      toEnvironmentId: true,
      state: true,
      version: true,
      requestedByName: true,
      createdAt: true,
      prNumber: true,
      prOpenedAt: true,
      mergedAt: true,
      mergeCommit: true,
      deployedAt: true,
      failedAt: true,
      failureReason: true,
      endedAt: true,
      toEnvironment: { select: { name: true } },
      approvals: {
        select: { decision: true, reviewerName: true, createdAt: true, dismissedAt: true },
        orderBy: { createdAt: "asc" },
      },
    },
  });
  if (!promotion) {
    throw new GantryError("not_found", `no promotion with id ${params.promotionId}`);
  }
  // Who merged or ended it: the first audit event of that state change.
  const enders = await db.auditEvent.findMany({
    where: {
      promotionId: promotion.id,
      action: {
        in: ["merged", "rejected", "closed", "superseded", "rolled_back"].map(
          (s) => `promotion.${s}`,
        ),
      },
    },
    select: { action: true, actorName: true },
    orderBy: { sequence: "asc" },
  });
  const byState = (state: string) => enders.find((event) => event.action === `promotion.${state}`);
  const steps: Omit<TimelineStep, "sincePreviousSeconds">[] = [];

  steps.push({
    kind: "requested",
    label: `Requested ${promotion.version} for ${promotion.toEnvironment.name}`,
    at: promotion.createdAt.toISOString(),
    who: promotion.requestedByName,
  });
  if (promotion.prOpenedAt) {
    steps.push({
      kind: "pr_opened",
      label: `Pull request${promotion.prNumber ? ` #${promotion.prNumber}` : ""} opened`,
      at: promotion.prOpenedAt.toISOString(),
      who: null,
    });
  }
  for (const review of promotion.approvals) {
    steps.push({
      kind: "review",
      label: `${REVIEW_WORDS[review.decision] ?? review.decision}${review.dismissedAt ? " (dismissed)" : ""}`,
      at: review.createdAt.toISOString(),
      who: review.reviewerName,
    });
  }
  const waitingFor: string[] = [];
  if (promotion.mergedAt) {
    steps.push({
      kind: "merged",
      label: `Merged${promotion.mergeCommit ? ` as ${promotion.mergeCommit.slice(0, 12)}` : ""}`,
      at: promotion.mergedAt.toISOString(),
      who: byState("merged")?.actorName ?? null,
    });
    const clusters = await db.cluster.findMany({
      where: { environmentId: promotion.toEnvironmentId, archivedAt: null },
      select: { id: true, name: true },
      orderBy: { name: "asc" },
    });
    const changes =
      clusters.length === 0
        ? []
        : await db.syncStatusChange.findMany({
            where: {
              applicationId: promotion.applicationId,
              clusterId: { in: clusters.map((cluster) => cluster.id) },
              observedAt: { gte: promotion.mergedAt },
            },
            select: {
              clusterId: true,
              syncState: true,
              health: true,
              syncedRevision: true,
              observedAt: true,
            },
            orderBy: { observedAt: "asc" },
            take: 2_000,
          });
    for (const cluster of clusters) {
      // At the merge commit; a later commit counts once the promotion is deployed
      // (the portal checked ancestry then), up to the moment it was.
      const atMerge = changes.filter(
        (change) =>
          change.clusterId === cluster.id &&
          change.syncState === "Synced" &&
          (change.syncedRevision === promotion.mergeCommit ||
            (promotion.deployedAt !== null && change.observedAt <= promotion.deployedAt)),
      );
      const synced = atMerge[0];
      const healthy = atMerge.find((change) => change.health === "Healthy");
      if (synced) {
        steps.push({
          kind: "synced",
          label: `Synced on ${cluster.name}`,
          at: synced.observedAt.toISOString(),
          who: null,
        });
      }
      if (healthy) {
        steps.push({
          kind: "healthy",
          label: `Healthy on ${cluster.name}`,
          at: healthy.observedAt.toISOString(),
          who: null,
        });
      } else if (!promotion.endedAt) {
        waitingFor.push(cluster.name);
      }
    }
  }
  if (promotion.deployedAt) {
    steps.push({
      kind: "deployed",
      label: `Deployed to ${promotion.toEnvironment.name}`,
      at: promotion.deployedAt.toISOString(),
      who: null,
    });
  }
  if (promotion.failedAt && promotion.state === "failed") {
    steps.push({
      kind: "failed",
      label: `Failed${promotion.failureReason ? `: ${promotion.failureReason.slice(0, 200)}` : ""}`,
      at: promotion.failedAt.toISOString(),
      who: null,
    });
  }
  if (promotion.endedAt) {
    const ended = promotion.state.replace("_", " ");
    steps.push({
      kind: "ended",
      label: ended.charAt(0).toUpperCase() + ended.slice(1),
      at: promotion.endedAt.toISOString(),
      who: byState(promotion.state)?.actorName ?? null,
    });
  }

  const ordered = steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => Date.parse(a.step.at) - Date.parse(b.step.at) || a.index - b.index)
    .map(({ step }) => step);
  return {
    promotionId: promotion.id,
    steps: ordered.map((step, index) => {
      const previous = ordered[index - 1];
      return {
        ...step,
        sincePreviousSeconds: previous
          ? Math.max(0, Math.round((Date.parse(step.at) - Date.parse(previous.at)) / 1000))
          : null,
      };
    }),
    waitingFor: promotion.deployedAt ? [] : waitingFor,
    leadTimeSeconds:
      promotion.prOpenedAt && promotion.deployedAt
        ? Math.round((promotion.deployedAt.getTime() - promotion.prOpenedAt.getTime()) / 1000)
        : null,
  };
}
