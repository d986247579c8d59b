import { describe, expect, it } from "vitest";
import { hoursTick } from "./charts";

describe("hoursTick", () => {
  it("keeps one decimal only below ten hours, so long restores fit beside the axis", () => {
    expect(hoursTick(0.25)).toBe("0.3 h");
    expect(hoursTick(2)).toBe("2 h");
    expect(hoursTick(9.94)).toBe("9.9 h");
    expect(hoursTick(126.4)).toBe("126 h");
    expect(hoursTick(Number.NaN)).toBe("");
  });
});
