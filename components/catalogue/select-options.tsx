"use client";

/**
 * A select's options from `[value, text]` pairs. A client component so the
 * page's React payload carries the pairs, not an element per option: the
 * label filter alone offers up to 500.
 */
export function SelectOptions({ options }: { options: readonly (readonly [string, string])[] }) {
  return options.map(([value, text]) => (
    <option key={value} value={value}>
      {text}
    </option>
  ));
}
