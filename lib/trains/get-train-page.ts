import { z } from "zod";
import type { PrismaClient, PromotionState } from "@/lib/generated/prisma/client";
import { loadTrain } from "@/lib/trains/load-train";
import { type TrainStanding, trainStanding } from "@/lib/trains/train-standing";
import type { TrainProblem } from "@/lib/trains/types";

/** One application of a train, as its page shows it: where it is on its way to deployed. */
interface TrainApplicationView {
  promotionId: string;
  application: string;
  environment: string;
  previousVersion: string;
  version: string;
  state: PromotionState;
  /** Why it failed (the job, a sync), in words safe to show. */
  failureReason: string | null;
  valuesPath: string;
  diff: string;
}

export interface TrainPageView {
  id: string;
  selection: string;
  reason: string;
  requestedBy: string;
  /** ISO 8601 */
  createdAt: string;
  branch: string;
  prNumber: number | null;
  prUrl: string | null;
  failureReason: string | null;
  /** How many applications are in each state. */
  counts: Partial<Record<PromotionState, number>>;
  applications: TrainApplicationView[];
  /** Applications left out when it was requested, with why. */
  excluded: TrainProblem[];
  standing: TrainStanding;
}

const Excluded = z.array(
  z.object({ application: z.string(), environment: z.string(), message: z.string() }),
);

/** Everything the train's page shows: each application's progress, its failures beside the others'. */
export async function getTrainPage(params: {
  db: PrismaClient;
  trainId: string;
}): Promise<TrainPageView> {
  const { db } = params;
  const { id } = await loadTrain(db, params.trainId);
  const train = await db.train.findUniqueOrThrow({
    where: { id },
    include: {
      promotions: {
        orderBy: { application: { slug: "asc" } },
        select: {
          id: true,
          state: true,
          version: true,
          previousVersion: true,
          failureReason: true,
          valuesPath: true,
          planDiff: true,
          application: { select: { slug: true } },
          toEnvironment: { select: { name: true } },
        },
      },
    },
  });
  const counts: TrainPageView["counts"] = {};
  for (const p of train.promotions) counts[p.state] = (counts[p.state] ?? 0) + 1;
  const excluded = Excluded.safeParse(train.excluded);
  return {
    id: train.id,
    selection: train.selection,
    reason: train.reason,
    requestedBy: train.requestedByName,
    createdAt: train.createdAt.toISOString(),
    branch: train.branch,
    prNumber: train.prNumber,
    prUrl: train.prUrl,
    failureReason: train.failureReason,
    counts,
    applications: train.promotions.map((p) => ({
      promotionId: p.id,
      application: p.application.slug,
      environment: p.toEnvironment.name,
      previousVersion: p.previousVersion,
      version: p.version,
      state: p.state,
      failureReason: p.failureReason,
      valuesPath: p.valuesPath,
      diff: p.planDiff,
    })),
    excluded: excluded.success ? excluded.data : [],
    standing: await trainStanding({ db, trainId: id }),
  };
}
