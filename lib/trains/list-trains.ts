import type { PrismaClient, PromotionState } from "@/lib/generated/prisma/client";

export interface TrainSummary {
  id: string;
  selection: string;
  requestedBy: string;
  /** ISO 8601 */
  createdAt: string;
  prNumber: number | null;
  applications: number;
  counts: Partial<Record<PromotionState, number>>;
}

/** The newest trains first, each with how many of its applications are in each state. */
export async function listTrains(params: {
  db: PrismaClient;
  limit?: number;
}): Promise<TrainSummary[]> {
  const { db } = params;
  const trains = await db.train.findMany({
    orderBy: { createdAt: "desc" },
    take: Math.min(Math.max(params.limit ?? 50, 1), 200),
    select: { id: true, selection: true, requestedByName: true, createdAt: true, prNumber: true },
  });
  const groups = await db.promotion.groupBy({
    by: ["trainId", "state"],
    where: { trainId: { in: trains.map((t) => t.id) } },
    _count: { _all: true },
  });
  return trains.map((train) => {
    const counts: TrainSummary["counts"] = {};
    let applications = 0;
    for (const group of groups) {
      if (group.trainId !== train.id) continue;
      counts[group.state] = group._count._all;
      applications += group._count._all;
    }
    return {
      id: train.id,
      selection: train.selection,
      requestedBy: train.requestedByName,
      createdAt: train.createdAt.toISOString(),
      prNumber: train.prNumber,
      applications,
      counts,
    };
  });
}
