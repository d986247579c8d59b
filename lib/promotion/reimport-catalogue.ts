import { isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";
import type { PromotionContext } from "@/lib/promotion/types";

/**
 * The catalogue import after a merge, as data: the merge stands whether or
 * not the import could be queued.
 */
export type CatalogueRefresh = { queued: true } | { queued: false; error: string };

/**
 * Queues the catalogue import after a promotion merged, instead of running
 * it in the merge: at 10,000 apps a whole import takes seconds, and the
 * person who merged waits for none of it. The import is a singleton job (a
 * burst of merges leaves one queued), reads the default branch when it runs,
 * and the catalogue catches up moments later. A failure to queue is
 * returned, not thrown, and logged with an id when unexpected; the next
 * push or merge queues it again.
 */
export async function queueImportAfterMerge(params: {
  ctx: Pick<PromotionContext, "jobs">;
  /** For the job's log line: which merge asked. */
  reason: string;
}): Promise<CatalogueRefresh> {
  try {
    await params.ctx.jobs.requestCatalogueImport({ reason: params.reason });
    return { queued: true };
  } catch (error) {
    return {
      queued: false,
      error: isGantryError(error)
        ? error.message
        : `the catalogue import could not be queued (error id ${logUnexpected(error, { during: "queueing the import after a merge" })})`,
    };
  }
}
