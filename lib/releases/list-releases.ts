import { z } from "zod";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { type ReleaseSummary, releaseSelect, toReleaseSummary } from "@/lib/releases/dto";

const MAX_PAGE_SIZE = 100;

/** Paging of GET /api/v1/apps/{app}/releases (query string, validated). */
export const ReleaseQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25),
});
export type ReleaseQuery = z.output<typeof ReleaseQuerySchema>;

export interface ReleasePage {
  items: ReleaseSummary[];
  total: number;
  page: number;
  size: number;
  pageCount: number;
}

/** An application's releases, newest first, paged in the database; not_found for an unknown app. */
export async function listReleases(params: {
  db: PrismaClient;
  principal: Principal;
  app: string;
  query: Partial<ReleaseQuery>;
}): Promise<ReleasePage> {
  const { db } = params;
  assertCan(params.principal, "catalogue:read");
  const q = ReleaseQuerySchema.parse(params.query);
  const application = await db.application.findUnique({
    where: { slug: params.app },
    select: { id: true },
  });
  if (!application) {
    throw new GantryError("not_found", `No application named "${params.app.slice(0, 63)}"`);
  }
  const where = { applicationId: application.id };
  const [total, rows] = await Promise.all([
    db.release.count({ where }),
    db.release.findMany({
      where,
      select: releaseSelect,
      orderBy: [{ firstSeenAt: "desc" }, { id: "desc" }],
      skip: (q.page - 1) * q.size,
      take: q.size,
    }),
  ]);
  return {
    items: rows.map(toReleaseSummary),
    total,
    page: q.page,
    size: q.size,
    pageCount: Math.max(1, Math.ceil(total / q.size)),
  };
}
