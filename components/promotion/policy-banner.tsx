import { Notice } from "@/components/ui/notice";
import type { PolicySummary } from "@/lib/policy/describe";

/**
 * The freeze banner of an environment: in force now, or starting within a
 * day. Nothing when neither; a freeze further away is listed with the policy.
 */
export function PolicyBanner({
  summary,
}: {
  summary: Pick<PolicySummary, "frozen" | "nextFreeze">;
}) {
  if (summary.frozen) {
    return (
      <Notice tone="warning" title="Frozen">
        {summary.frozen.message}. Promotions are refused unless a person with break-glass gives a
        reason.
      </Notice>
    );
  }
  if (summary.nextFreeze?.soon) {
    return (
      <Notice tone="info" title="A freeze starts soon">
        {summary.nextFreeze.message}.
      </Notice>
    );
  }
  return null;
}
