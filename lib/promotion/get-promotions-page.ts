import {
  listPromotions,
  type PromotionPage,
  type PromotionQuery,
  PromotionQuerySchema,
} from "@/lib/promotion/list-promotions";
import type { PromotionContext } from "@/lib/promotion/types";

type SearchParams = Record<string, string | string[] | undefined>;

/** What /promotions shows: the filter it understood, a page of promotions and the links to the pages beside it. */
export type PromotionsPageView =
  | { ok: false; errors: string[] }
  | {
      ok: true;
      query: PromotionQuery;
      page: PromotionPage;
      previousHref: string | null;
      nextHref: string | null;
    };

/**
 * The view model of /promotions: the URL's filters validated (each problem
 * in words, naming the parameter), then newest first, paged in the database.
 */
export async function getPromotionsPage(params: {
  ctx: Pick<PromotionContext, "db">;
  searchParams: SearchParams;
}): Promise<PromotionsPageView> {
  const present = Object.fromEntries(
    Object.entries(params.searchParams).filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = PromotionQuerySchema.safeParse(present);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    };
  }
  const query = parsed.data;
  const page = await listPromotions({ ctx: params.ctx, query });
  return {
    ok: true,
    query,
    page,
    previousHref: page.page > 1 ? promotionsHref(query, page.page - 1) : null,
    nextHref: page.page < page.pageCount ? promotionsHref(query, page.page + 1) : null,
  };
}

/** The link to another page of the same filtered list, leaving out what is empty or default. */
export function promotionsHref(query: PromotionQuery, page: number): string {
  const search = new URLSearchParams();
  const values = {
    state: query.state[0],
    app: query.app,
    env: query.env,
    person: query.person,
    page: page === 1 ? undefined : page,
  };
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return `/promotions${text ? `?${text}` : ""}`;
}
