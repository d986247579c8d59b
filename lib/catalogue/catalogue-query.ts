import { z } from "zod";

/**
 * The catalogue's filter, sort and page, as it appears in the URL
 * (`/apps?q=pay&team=payments&page=2`) and in the API. Unknown or malformed
 * values are rejected with a message naming the parameter, so a shared link
 * never silently shows something other than what it says.
 */

/**
 * `relevance` ranks a search's matches (exact name, prefix, substring, then
 * description only); it is the default order while there is search text, and
 * `name` otherwise.
 */
const SORT_FIELDS = ["name", "team", "tier", "updated", "relevance"] as const;
const PAGE_SIZES = [25, 50, 100] as const;
export const TIERS = ["critical", "high", "medium", "low"] as const;
/** Sync-status filters: apps with at least one environment in that state. */
export const STATUS_FILTERS = ["out-of-sync", "degraded", "stale"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

const single = (value: unknown) => (Array.isArray(value) ? value[0] : value);
const blankToUndefined = (value: unknown) => {
  const first = single(value);
  return typeof first === "string" && first.trim() === "" ? undefined : first;
};

/** The catalogue's query parameters as a caller sends them (the API description shows these). */
export const CatalogueQueryParams = z.object({
  q: z.preprocess(
    blankToUndefined,
    z.string().trim().max(100, "q: at most 100 characters").optional(),
  ),
  team: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9-_]*$/, "team: expected a team slug")
      .optional(),
  ),
  tier: z.preprocess(
    blankToUndefined,
    z.enum(TIERS, { error: `tier: expected one of ${TIERS.join(", ")}` }).optional(),
  ),
  label: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[^=\s]{1,63}=[^=]{1,200}$/, "label: expected key=value")
      .optional(),
  ),
  status: z.preprocess(
    blankToUndefined,
    z
      .enum(STATUS_FILTERS, { error: `status: expected one of ${STATUS_FILTERS.join(", ")}` })
      .optional(),
  ),
  differs: z.preprocess(
    blankToUndefined,
    z.enum(["1", "true"], { error: "differs: expected 1" }).optional(),
  ),
  archived: z.preprocess(
    blankToUndefined,
    z.enum(["1", "true"], { error: "archived: expected 1" }).optional(),
  ),
  sort: z.preprocess(
    blankToUndefined,
    z.enum(SORT_FIELDS, { error: `sort: expected one of ${SORT_FIELDS.join(", ")}` }).optional(),
  ),
  dir: z.preprocess(
    blankToUndefined,
    z.enum(["asc", "desc"], { error: "dir: expected asc or desc" }).default("asc"),
  ),
  page: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: "page: expected a number" })
      .int("page: expected a whole number")
      .min(1, "page: expected 1 or more")
      .max(100_000, "page: too large")
      .default(1),
  ),
  after: z.preprocess(
    blankToUndefined,
    z.string().max(600, "after: at most 600 characters").optional(),
  ),
  before: z.preprocess(
    blankToUndefined,
    z.string().max(600, "before: at most 600 characters").optional(),
  ),
  size: z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: "size: expected a number" })
      .refine(
        (n) => (PAGE_SIZES as readonly number[]).includes(n),
        `size: expected one of ${PAGE_SIZES.join(", ")}`,
      )
      .default(50),
  ),
});

/** One sort key's value in a page position: text, a search rank, or an instant as ISO text. */
type PositionKey = string | number;

/**
 * Where a keyset page starts: just after (or just before) the row with these
 * sort-key values, the slug last. Pages are found by those values, not by
 * counting rows, so a deep page costs what the first does.
 */
interface CataloguePosition {
  direction: "after" | "before";
  keys: PositionKey[];
}

const PositionKeys = z
  .array(z.union([z.string().max(250), z.number().int()]))
  .min(1)
  .max(2);

/** The opaque `after`/`before` value of a row's sort-key values (base64url JSON). */
export function encodePosition(keys: readonly PositionKey[]): string {
  return Buffer.from(JSON.stringify(keys)).toString("base64url");
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The keys a position must carry for this sort, or a message naming what is wrong. */
function decodePosition(
  value: string,
  sort: (typeof SORT_FIELDS)[number],
  q: string | undefined,
): PositionKey[] | string {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    return "not a page position";
  }
  const keys = PositionKeys.safeParse(json);
  if (!keys.success) return "not a page position";
  const [first, slug] = keys.data;
  const ranked = sort === "relevance" && q;
  if (sort === "name" || (sort === "relevance" && !q)) {
    return keys.data.length === 1 && typeof first === "string" ? keys.data : "not for this order";
  }
  if (typeof slug !== "string") return "not for this order";
  if (ranked) return typeof first === "number" ? keys.data : "not for this order";
  if (typeof first !== "string") return "not for this order";
  if (sort === "tier" && !(TIERS as readonly string[]).includes(first)) return "not for this order";
  if (sort === "updated" && !TIME.test(first)) return "not for this order";
  return keys.data;
}

const CatalogueQuerySchema = CatalogueQueryParams.transform((query, context) => {
  const sort = query.sort ?? defaultSort(query.q);
  const raw = query.after ?? query.before;
  let position: CataloguePosition | undefined;
  if (query.after && query.before) {
    context.addIssue({ code: "custom", message: "after, before: give one of them, not both" });
  } else if (raw) {
    const name = query.after ? "after" : "before";
    const keys = decodePosition(raw, sort, query.q);
    if (typeof keys === "string") {
      context.addIssue({
        code: "custom",
        message: `${name}: ${keys}; open the first page again`,
      });
    } else {
      position = { direction: name, keys };
    }
  }
  const parsed: Omit<typeof query, "sort"> & {
    sort: (typeof SORT_FIELDS)[number];
    position?: CataloguePosition;
  } = { ...query, sort };
  if (position) parsed.position = position;
  return parsed;
});

function defaultSort(q: string | undefined): (typeof SORT_FIELDS)[number] {
  return q ? "relevance" : "name";
}

export type CatalogueQuery = z.infer<typeof CatalogueQuerySchema>;

export type SearchParamsRecord = Record<string, string | string[] | undefined>;

export function parseCatalogueQuery(
  params: SearchParamsRecord,
): { ok: true; query: CatalogueQuery } | { ok: false; errors: string[] } {
  const result = CatalogueQuerySchema.safeParse(params);
  if (result.success) return { ok: true, query: result.data };
  return { ok: false, errors: result.error.issues.map((issue) => issue.message) };
}

/** The URL search string for a query, leaving out defaults so links stay short and canonical. */
export function catalogueSearch(
  query: CatalogueQuery,
  change: Partial<CatalogueQuery> = {},
): string {
  const merged = { ...query, ...change };
  const params = new URLSearchParams();
  if (merged.q) params.set("q", merged.q);
  if (merged.team) params.set("team", merged.team);
  if (merged.tier) params.set("tier", merged.tier);
  if (merged.label) params.set("label", merged.label);
  if (merged.status) params.set("status", merged.status);
  if (merged.differs) params.set("differs", "1");
  if (merged.archived) params.set("archived", "1");
  if (merged.sort !== defaultSort(merged.q)) params.set("sort", merged.sort);
  if (merged.dir !== "asc") params.set("dir", merged.dir);
  if (merged.page !== 1) params.set("page", String(merged.page));
  // A position belongs to the link that asks for it: any other change starts from a page number.
  if (change.after) params.set("after", change.after);
  if (change.before) params.set("before", change.before);
  if (merged.size !== 50) params.set("size", String(merged.size));
  const search = params.toString();
  return search ? `?${search}` : "";
}
