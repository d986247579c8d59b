import { describe, expect, it } from "vitest";
import {
  compareVersions,
  isVersionRange,
  satisfiesRange,
  sortVersions,
} from "@/lib/gitops-repo/version-order";

describe("compareVersions", () => {
  it("orders semantic versions by precedence, with or without a v", () => {
    expect(sortVersions(["1.10.0", "v1.9.0", "2.0.0", "2.0.0-rc.1", "1.9.0-alpha"])).toEqual([
      "1.9.0-alpha",
      "v1.9.0",
      "1.10.0",
      "2.0.0-rc.1",
      "2.0.0",
    ]);
  });

  it("orders other tags by text with digit runs as numbers", () => {
    expect(sortVersions(["build-10", "build-9", "build-100", "2024.11", "2024.2"])).toEqual([
      "2024.2",
      "2024.11",
      "build-9",
      "build-10",
      "build-100",
    ]);
    expect(compareVersions("1.10", "1.9")).toBeGreaterThan(0);
    expect(compareVersions("3f9a2c1", "3f9a2c1")).toBe(0);
    expect(compareVersions("99999999999999999999", "100000000000000000000")).toBeLessThan(0);
  });
});

describe("isVersionRange", () => {
  it("knows ranges from versions", () => {
    for (const range of [
      ">=1.0.0 <2.0.0",
      "6.x",
      "*",
      "~1.2",
      "^1.2.0",
      "1.x || 2.x",
      "1.2.3 - 1.4.0",
    ]) {
      expect(isVersionRange(range), range).toBe(true);
    }
    for (const version of ["1.2.3", "v1.2.3", "1.2", "latest", "3f9a2c1", "2024.11.3", ""]) {
      expect(isVersionRange(version), version).toBe(false);
    }
  });

  it("counts a partial version as a range where versions must be complete", () => {
    expect(isVersionRange("1.2", { partialIsRange: true })).toBe(true);
    expect(isVersionRange("1.2.0", { partialIsRange: true })).toBe(false);
  });

  it("checks a version against a range", () => {
    expect(satisfiesRange("1.4.0", ">=1.0.0 <2.0.0")).toBe(true);
    expect(satisfiesRange("2.0.0", ">=1.0.0 <2.0.0")).toBe(false);
    expect(satisfiesRange("latest", "*")).toBe(false);
  });
});
