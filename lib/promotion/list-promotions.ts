import { z } from "zod";
import type { Prisma } from "@/lib/generated/prisma/client";
import { PromotionState } from "@/lib/generated/prisma/enums";
import { type PromotionSummary, summarySelect, toSummary } from "@/lib/promotion/dto";
import type { PromotionContext } from "@/lib/promotion/types";

const MAX_PAGE_SIZE = 100;

/** Filters and paging of GET /api/v1/promotions and /promotions (query strings, validated). */
export const PromotionQuerySchema = z.object({
  state: z
    .union([z.enum(PromotionState), z.array(z.enum(PromotionState))])
    .optional()
    .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])),
  app: z.string().trim().min(1).max(63).optional(),
  env: z.string().trim().min(1).max(63).optional(),
  /** The requester's email (exact) or part of their name. */
  person: z.string().trim().min(1).max(200).optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25),
});

export type PromotionQuery = z.output<typeof PromotionQuerySchema>;

export interface PromotionPage {
  items: PromotionSummary[];
  total: number;
  page: number;
  size: number;
  pageCount: number;
}

/** Promotions, newest first, filtered and paged in the database. */
export async function listPromotions(params: {
  ctx: Pick<PromotionContext, "db">;
  query: Partial<PromotionQuery>;
}): Promise<PromotionPage> {
  const { db } = params.ctx;
  const q = PromotionQuerySchema.parse(params.query);
  const where: Prisma.PromotionWhereInput = {
    ...(q.state.length > 0 ? { state: { in: q.state } } : {}),
    ...(q.app ? { application: { slug: q.app } } : {}),
    ...(q.env ? { toEnvironment: { name: q.env } } : {}),
    ...(q.person
      ? {
          OR: [
            { requestedByEmail: { equals: q.person, mode: "insensitive" } },
            { requestedByName: { contains: q.person, mode: "insensitive" } },
          ],
        }
      : {}),
  };
  const [total, rows] = await Promise.all([
    db.promotion.count({ where }),
    db.promotion.findMany({
      where,
      select: summarySelect,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: (q.page - 1) * q.size,
      take: q.size,
    }),
  ]);
  return {
    items: rows.map(toSummary),
    total,
    page: q.page,
    size: q.size,
    pageCount: Math.max(1, Math.ceil(total / q.size)),
  };
}
