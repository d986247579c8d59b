import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONE: Record<string, BadgeTone> = {
  success: "success",
  denied: "warning",
  failure: "danger",
};

export function OutcomeBadge({ outcome }: { outcome: string }) {
  return <Badge tone={TONE[outcome] ?? "neutral"}>{outcome}</Badge>;
}
