import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONE: Record<string, BadgeTone> = {
  planned: "info",
  pr_open: "info",
  approved: "success",
  merged: "success",
  syncing: "info",
  deployed: "success",
  rejected: "danger",
  closed: "neutral",
  failed: "danger",
  superseded: "neutral",
  rolled_back: "warning",
};

const WORDS: Record<string, string> = {
  planned: "opening PR",
  pr_open: "PR open",
  rolled_back: "rolled back",
};

export function PromotionStateBadge({ state }: { state: string }) {
  return <Badge tone={TONE[state] ?? "neutral"}>{WORDS[state] ?? state.replace("_", " ")}</Badge>;
}
