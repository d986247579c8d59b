import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WriteBudget } from "@/lib/git/github/write-budget";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Acquires `count` turns and returns the (fake) time each one started. */
async function starts(budget: WriteBudget, count: number, runFor: number): Promise<number[]> {
  const times: number[] = [];
  const turns = Array.from({ length: count }, () =>
    budget.acquire().then(() => times.push(Date.now())),
  );
  await vi.advanceTimersByTimeAsync(runFor);
  await Promise.all(turns);
  return times;
}

describe("WriteBudget", () => {
  it("spaces writes evenly over the minute", async () => {
    const budget = new WriteBudget({ perMinute: 60, perHour: 500 });
    expect(await starts(budget, 4, 10_000)).toEqual([0, 1000, 2000, 3000]);
  });

  it("never starts more than the hourly budget within an hour", async () => {
    const budget = new WriteBudget({ perMinute: 60, perHour: 3 });
    const times = await starts(budget, 5, 2 * 3_600_000);
    expect(times.slice(0, 3)).toEqual([0, 1000, 2000]);
    // The fourth waits until the first leaves the hour window.
    expect(times[3]).toBe(3_600_000);
    expect(times[4]).toBe(3_601_000);
  });

  it("holds every write while GitHub asked to wait", async () => {
    const budget = new WriteBudget({ perMinute: 80, perHour: 500 });
    await starts(budget, 1, 0);
    budget.pause(30_000);
    expect(budget.delayBeforeNext()).toBe(30_000);
    expect(await starts(budget, 2, 60_000)).toEqual([30_000, 30_750]);
  });
});
