/*
 * lib/trains owns release trains: many applications promoted as one unit, one branch, one commit,
 * one pull request. Each application travels as its own promotion (lib/promotion), with trainId.
 */

import type { Prisma } from "@/lib/generated/prisma/client";
import type { PromotionContext } from "@/lib/promotion/types";

/** The background work the train verbs hand to the job queue. */
export interface TrainJobs {
  /** The job that opens a train's branch, commit and pull request; inside `tx` with the train's rows. */
  enqueueOpenTrainPullRequest(params: {
    trainId: string;
    tx?: Prisma.TransactionClient;
  }): Promise<void>;
}

/** What the train verbs work with: the promotion context and the train's own job. */
export interface TrainContext extends PromotionContext {
  trainJobs: TrainJobs;
}

/** An application that could not join the train, and why: shown beside the others, never instead. */
export interface TrainProblem {
  application: string;
  environment: string;
  message: string;
  /** The person may not promote it (another team's application): a refusal, not a fault of the file. */
  forbidden?: boolean;
}
