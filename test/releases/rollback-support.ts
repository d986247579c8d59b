import { GANTRY_ACTOR } from "@/lib/identity/actor";
import type { Person } from "@/lib/identity/principal";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { transition } from "@/lib/promotion/transitions";
import { ALICE, environmentsYaml, type PromotionWorld } from "@/test/promotion/support";

/**
 * Commits the policies to environments.yaml on the default branch (through the provider: the
 * fixture's clone is behind once promotions merged) and imports them.
 */
export async function setPolicies(
  w: PromotionWorld,
  policies: Parameters<typeof environmentsYaml>[0],
): Promise<void> {
  await w.provider.commitFiles({
    branch: "main",
    parent: await w.provider.resolveRef("main"),
    message: "policies",
    author: { name: "Platform", email: "platform@example.com" },
    files: [{ path: "environments.yaml", content: environmentsYaml(policies) }],
  });
  await w.importNow();
}

/**
 * A promotion of `version` into `environment` carried to `outcome`: its pull
 * request opened and merged (Alice asks and merges; environments without
 * approvals), then every cluster healthy (`deployed`) or a failed sync.
 */
export async function deliver(
  w: PromotionWorld,
  params: {
    app: string;
    environment: string;
    version: string;
    outcome?: "deployed" | "failed" | "merged";
    by?: Person;
  },
): Promise<string> {
  const { promotion } = await requestPromotion({
    ctx: w.ctx,
    principal: params.by ?? ALICE,
    application: params.app,
    environment: params.environment,
    version: params.version,
    reason: `ship ${params.version}`,
    skipOrder: true,
    allowNewVersion: true,
  });
  await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
  await mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: params.by ?? ALICE });
  const outcome = params.outcome ?? "deployed";
  if (outcome !== "merged") {
    await w.db.$transaction((tx) =>
      transition({
        tx,
        promotionId: promotion.id,
        to: outcome,
        actor: GANTRY_ACTOR,
        detail: outcome === "failed" ? "cluster dev-eu-1 failed to sync" : "every cluster healthy",
        data: outcome === "failed" ? { failureReason: "ImagePullBackOff" } : {},
      }),
    );
  }
  return promotion.id;
}
