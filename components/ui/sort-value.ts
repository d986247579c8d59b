/** What a sortable column sorts by: text, a number, or nothing (always last). */
export type SortValue = string | number | null;

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/**
 * Ascending order of two present values: numbers by size, text as people
 * read it ("app-2" before "app-10"), a number before text.
 */
export function compareSortValues(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return collator.compare(a, b);
}
