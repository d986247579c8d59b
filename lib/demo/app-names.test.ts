import { describe, expect, it } from "vitest";
import { configProblems, MAX_DEMO_APPS, parseConfig } from "@/lib/config";
import { demoAppNames } from "@/lib/demo/app-names";
import { Random } from "@/lib/demo/random";
import { COMPONENTS, TEAMS } from "@/lib/demo/vocabulary";
import { isSlug } from "@/lib/gitops-repo/paths";

describe("demoAppNames", () => {
  it("names the largest demo the configuration allows with unique, valid names", () => {
    const names = demoAppNames(MAX_DEMO_APPS, new Random(42));
    expect(names).toHaveLength(MAX_DEMO_APPS);
    expect(new Set(names).size).toBe(MAX_DEMO_APPS);
    expect(names.filter((name) => !isSlug(name))).toEqual([]);
    // Every name starts with a domain and a component: that is how the app's team and chart are found.
    const domains = new Set(TEAMS.flatMap((team) => team.domains));
    const words = new Set(COMPONENTS.map((c) => c.word));
    const unplaced = names.filter((name) => {
      const [domain = "", word = ""] = name.split("-");
      return !domains.has(domain) || !words.has(word);
    });
    expect(unplaced).toEqual([]);
    // Three tiers: two-qualifier names appear only past the one-qualifier ones, never two regions.
    expect(names.some((name) => name.split("-").length === 4)).toBe(true);
    expect(names.filter((name) => /-(eu|us|apac)-(eu|us|apac)$/.test(name))).toEqual([]);
  });

  it("keeps the names of smaller catalogues as they were (only a larger one reaches the new tier)", () => {
    const small = demoAppNames(30_000, new Random(42));
    expect(demoAppNames(MAX_DEMO_APPS, new Random(42)).slice(0, 30_000)).toEqual(small);
    expect(small.every((name) => name.split("-").length <= 3)).toBe(true);
  });

  it("says how many it can name when asked for more", () => {
    expect(() => demoAppNames(10_000_000, new Random(42))).toThrow(
      /the demo can name at most \d+ apps; asked for 10000000/,
    );
  });
});

describe("GANTRY_DEMO_APPS", () => {
  const problem = (value: string) => configProblems({ GANTRY_DEMO_APPS: value }).join("\n");

  it("accepts up to the limit and names the limit and the value beyond it", () => {
    expect(parseConfig({ GANTRY_DEMO_APPS: "100000" }).demo.apps).toBe(100_000);
    expect(problem("100001")).toContain(
      'GANTRY_DEMO_APPS: the demo has at most 100000 apps, got "100001"',
    );
    expect(problem("2.5")).toContain(
      'GANTRY_DEMO_APPS: expected a whole number of apps, got "2.5"',
    );
    expect(problem("0")).toContain('GANTRY_DEMO_APPS: expected at least 1 app, got "0"');
    expect(problem("lots")).toContain(
      "GANTRY_DEMO_APPS: expected a number of apps from 1 to 100000",
    );
  });
});
