import { describe, expect, it } from "vitest";
import { compareSortValues } from "./sort-value";

describe("compareSortValues", () => {
  it("orders numbers by size, not as text", () => {
    expect([10, 9, 100].sort(compareSortValues)).toEqual([9, 10, 100]);
  });

  it("orders text with numbers in it as people read it, ignoring case", () => {
    expect(["app-10", "App-2", "app-1"].sort(compareSortValues)).toEqual([
      "app-1",
      "App-2",
      "app-10",
    ]);
  });

  it("puts numbers before text", () => {
    expect(["b", 3, "a", 1].sort(compareSortValues)).toEqual([1, 3, "a", "b"]);
  });
});
