import { describe, expect, it } from "vitest";
import { combinedSyncState, isStale, worstHealth } from "./list-sync-status";

describe("sync status as read", () => {
  const now = new Date("2026-01-01T00:10:00Z");

  it("is stale when never heard from or not within the bound", () => {
    expect(isStale(null, now, 300)).toBe(true);
    expect(isStale(new Date("2026-01-01T00:05:00Z"), now, 300)).toBe(false);
    expect(isStale(new Date("2026-01-01T00:04:59Z"), now, 300)).toBe(true);
  });

  it("combines objects: the least healthy wins, out of sync beats unknown beats synced", () => {
    expect(worstHealth([])).toBe("Unknown");
    expect(worstHealth(["Healthy", "Progressing", "Suspended"])).toBe("Progressing");
    expect(worstHealth(["Healthy", "Degraded", "Missing"])).toBe("Degraded");
    expect(combinedSyncState([])).toBe("Unknown");
    expect(combinedSyncState(["Synced", "Synced"])).toBe("Synced");
    expect(combinedSyncState(["Synced", "Unknown"])).toBe("Unknown");
    expect(combinedSyncState(["Unknown", "OutOfSync"])).toBe("OutOfSync");
  });
});
