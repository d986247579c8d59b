import type { Random } from "@/lib/demo/random";
import { COMPONENTS, QUALIFIERS, TEAMS } from "@/lib/demo/vocabulary";

const REGIONS = new Set(["eu", "us", "apac"]);

/**
 * Unique app names for a demo catalogue of `count` apps, in three tiers, each
 * shuffled and used only once the tier before it is taken:
 *
 *   domain × component             payments-api             2,142 names
 *   … × one qualifier              payments-api-v2        + 29,988
 *   … × two qualifiers, in order   payments-api-mobile-eu + 188,496 (never two regions)
 *
 * so 420 apps spread over all teams, and the largest demo (100,000) still reads
 * like a real fleet. The domain always comes first and the component second,
 * which is how an app's team and chart are found from its name. Catalogues that
 * fit the first tiers get the same names as before the third tier existed.
 */
export function demoAppNames(count: number, random: Random): string[] {
  const domains = TEAMS.flatMap((team) => team.domains);
  const pairs = domains.flatMap((domain) => COMPONENTS.map((c) => `${domain}-${c.word}`));
  let names = random.shuffle(pairs);
  if (count > names.length) {
    names = names.concat(
      random.shuffle(pairs.flatMap((pair) => QUALIFIERS.map((q) => `${pair}-${q}`))),
    );
  }
  if (count > names.length) {
    // Two different qualifiers, always in vocabulary order ("mobile-eu", never also "eu-mobile"),
    // and never two regions ("eu-us" is no deployment anyone would name).
    const twoQualifiers = QUALIFIERS.flatMap((first, index) =>
      QUALIFIERS.slice(index + 1)
        .filter((second) => !(REGIONS.has(first) && REGIONS.has(second)))
        .map((second) => `${first}-${second}`),
    );
    // concat, not push(...): a spread of 188,496 arguments overflows the stack.
    names = names.concat(
      random.shuffle(pairs.flatMap((pair) => twoQualifiers.map((q) => `${pair}-${q}`))),
    );
  }
  if (count > names.length) {
    throw new Error(`the demo can name at most ${names.length} apps; asked for ${count}`);
  }
  return names.slice(0, count);
}
