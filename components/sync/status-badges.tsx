import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { HealthState, SyncState } from "@/lib/sync-status/report";

/** Icons are decoration: the state is always written out, so colour is never the only signal. */
const HEALTH: Record<HealthState, { tone: BadgeTone; icon: string }> = {
  Healthy: { tone: "success", icon: "♥" },
  Progressing: { tone: "info", icon: "◐" },
  Degraded: { tone: "danger", icon: "✕" },
  Suspended: { tone: "neutral", icon: "❚❚" },
  Missing: { tone: "warning", icon: "?" },
  Unknown: { tone: "neutral", icon: "…" },
};

const SYNC: Record<SyncState, { tone: BadgeTone; icon: string; label: string }> = {
  Synced: { tone: "success", icon: "✓", label: "Synced" },
  OutOfSync: { tone: "warning", icon: "↻", label: "Out of sync" },
  Unknown: { tone: "neutral", icon: "…", label: "Unknown" },
};

export const HEALTH_DISPLAY_ORDER: readonly HealthState[] = [
  "Healthy",
  "Progressing",
  "Degraded",
  "Suspended",
  "Missing",
  "Unknown",
];

export function HealthBadge({ health }: { health: HealthState }) {
  const { tone, icon } = HEALTH[health];
  return (
    <Badge tone={tone} icon={icon}>
      {health}
    </Badge>
  );
}

export function SyncBadge({ state }: { state: SyncState }) {
  const { tone, icon, label } = SYNC[state];
  return (
    <Badge tone={tone} icon={icon}>
      {label}
    </Badge>
  );
}

export function StaleBadge() {
  return (
    <Badge tone="warning" icon="⏱">
      stale
    </Badge>
  );
}
