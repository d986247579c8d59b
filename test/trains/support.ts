import type { Prisma } from "@/lib/generated/prisma/client";
import { openTrainPullRequest } from "@/lib/trains/open-train-pull-request";
import type { TrainContext, TrainJobs } from "@/lib/trains/types";
import { createPromotionWorld, type PromotionWorld } from "@/test/promotion/support";

/** Train jobs that are only recorded: the test runs the job body itself. */
export class RecordedTrainJobs implements TrainJobs {
  readonly enqueued: string[] = [];
  async enqueueOpenTrainPullRequest(params: {
    trainId: string;
    tx?: Prisma.TransactionClient;
  }): Promise<void> {
    this.enqueued.push(params.trainId);
  }
}

export interface TrainWorld extends PromotionWorld {
  trainCtx: TrainContext;
  trainJobs: RecordedTrainJobs;
  /** Runs the train jobs enqueued so far. */
  runTrainJobs(): Promise<void>;
}

/** The promotion world (app-0 … app-N of team payments: dev and staging 1.1.0, prod 1.0.0) with train jobs. */
export async function createTrainWorld(options: { apps?: number } = {}): Promise<TrainWorld> {
  const world = await createPromotionWorld({ apps: options.apps ?? 4 });
  const trainJobs = new RecordedTrainJobs();
  const trainCtx: TrainContext = { ...world.ctx, trainJobs };
  return {
    ...world,
    trainCtx,
    trainJobs,
    async runTrainJobs() {
      for (const trainId of trainJobs.enqueued.splice(0)) {
        await openTrainPullRequest({ ctx: world.ctx, trainId });
      }
    },
  };
}
