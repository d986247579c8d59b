import { z } from "zod";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { type ReleaseSummary, releaseSelect, toReleaseSummary } from "@/lib/releases/dto";
import { listReleaseProgress, type ReleaseStepView } from "@/lib/releases/list-release-progress";

const MAX_PAGE_SIZE = 100;

/** Paging of GET /api/v1/apps/{app}/releases (query string, validated). */
export const ReleaseQuerySchema = z.strictObject({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(25),
});
export type ReleaseQuery = z.output<typeof ReleaseQuerySchema>;

/** A listed release with where it stands: its hold and its step in every environment the app runs in. */
interface ListedRelease extends ReleaseSummary {
  /** The environment a rollback held this version in (and every later one); null when not held. */
  heldIn: string | null;
  /** In promotion order: "deployed", "soaking 2 of 30 min", "waiting for approval", a gate's failure… */
  steps: ReleaseStepView[];
}

export interface ReleasePage {
  items: ListedRelease[];
  total: number;
  page: number;
  size: number;
  pageCount: number;
}

/**
 * An application's releases, newest first, paged in the database, each with
 * where it stands in every environment (as the app page shows it); not_found
 * for an unknown app.
 */
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
  const progress = await listReleaseProgress({
    db,
    application: params.app,
    releaseIds: rows.map((row) => row.id),
  });
  return {
    items: rows.map((row) => {
      const standing = progress.find((p) => p.id === row.id);
      return {
        ...toReleaseSummary(row),
        heldIn: standing?.heldIn ?? null,
        steps: standing?.steps ?? [],
      };
    }),
    total,
    page: q.page,
    size: q.size,
    pageCount: Math.max(1, Math.ceil(total / q.size)),
  };
}
