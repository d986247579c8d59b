import type { PrismaClient } from "@/lib/generated/prisma/client";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import type { ReportingCluster } from "@/lib/sync/authenticate-cluster";
import type { HealthState, StatusItem, SyncState } from "@/lib/sync-status/report";
import { ALICE, BOB } from "@/test/promotion/support";

/** A promotion of `application` to prod, requested, opened and merged on the local provider. */
export async function mergedPromotion(
  ctx: PromotionContext,
  application: string,
): Promise<{ id: string; mergeCommit: string; baseCommit: string }> {
  const { promotion } = await requestPromotion({
    ctx,
    principal: ALICE,
    application,
    environment: "prod",
    reason: "Verified in staging",
  });
  await openPromotionPullRequest({ ctx, promotionId: promotion.id });
  const { mergeCommit } = await mergePromotion({ ctx, promotionId: promotion.id, principal: BOB });
  const row = await ctx.db.promotion.findUniqueOrThrow({
    where: { id: promotion.id },
    select: { baseCommit: true },
  });
  return { id: promotion.id, mergeCommit, baseCommit: row.baseCommit };
}

/** A cluster as the ingest endpoint sees it once its token is checked. */
export async function reportingCluster(db: PrismaClient, name: string): Promise<ReportingCluster> {
  const cluster = await db.cluster.findUniqueOrThrow({
    where: { name },
    select: { id: true, name: true, environmentId: true, environment: { select: { name: true } } },
  });
  return {
    id: cluster.id,
    name: cluster.name,
    environmentId: cluster.environmentId,
    environment: cluster.environment.name,
  };
}

/** The Argo CD Application of `application` in `environment`, as an agent reports it. */
export function argoItem(params: {
  application: string;
  environment?: string;
  syncState: SyncState;
  health: HealthState;
  revision: string | null;
  observedAt: Date;
  message?: string;
}): StatusItem {
  return {
    application: params.application,
    environment: params.environment ?? "prod",
    source: { kind: "argocd-application", namespace: "argocd", name: params.application },
    syncState: params.syncState,
    health: params.health,
    syncedRevision: params.revision,
    observedAt: params.observedAt.toISOString(),
    ...(params.message ? { message: params.message } : {}),
  };
}
