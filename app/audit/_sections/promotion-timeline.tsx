import { PromotionTimeline } from "@/components/audit/promotion-timeline";
import { getPromotionTimeline } from "@/lib/audit/get-promotion-timeline";
import { getDb } from "@/lib/db";
import { can } from "@/lib/identity/permissions";
import { getCurrentPrincipal } from "@/lib/people/current-principal";

/** The promotion page's timeline: PR opened → reviews → merged → each cluster synced and healthy. */
export async function PromotionTimelineSection({ promotionId }: { promotionId: string }) {
  const principal = await getCurrentPrincipal();
  if (!can(principal, "promotion:read")) return null;
  const timeline = await getPromotionTimeline({ db: getDb(), principal, promotionId });
  return <PromotionTimeline timeline={timeline} />;
}
