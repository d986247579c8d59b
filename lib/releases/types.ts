/*
 * lib/releases owns releases registered by CI, the progression rules that move them through the
 * environments, and the gates that check them on the way.
 */

import type { Prisma } from "@/lib/generated/prisma/client";

/** The background work release verbs hand to the job queue. */
export interface ReleaseJobs {
  /**
   * Asks for an evaluation of the progression rules (a singleton: requests
   * while one is queued coalesce into it). Inside `tx` when given, so a
   * release's registration and the evaluation it needs commit together.
   */
  requestProgression(params: { reason: string; tx?: Prisma.TransactionClient }): Promise<void>;
}
