import type { ReactNode } from "react";

/** Each tone is one class in app/globals.css (`badge-<tone>`): badges are many on a page. */
export type BadgeTone = "neutral" | "info" | "warning" | "danger" | "success";

/**
 * A small labelled state. `icon` is decoration drawn by CSS beside the
 * words, hidden from screen readers: the words always say the state.
 */
export function Badge({
  tone = "neutral",
  icon,
  children,
}: {
  tone?: BadgeTone;
  icon?: string;
  children: ReactNode;
}) {
  return (
    <span className={`badge badge-${tone}`} data-icon={icon}>
      {children}
    </span>
  );
}

const TIER_TONE: Record<string, BadgeTone> = {
  critical: "danger",
  high: "warning",
  medium: "info",
  low: "neutral",
};

export function TierBadge({ tier }: { tier: string }) {
  return <Badge tone={TIER_TONE[tier] ?? "neutral"}>{tier}</Badge>;
}
