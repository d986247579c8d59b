import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { getGitProvider } from "@/lib/git";
import { sendingPromotionJobs, sendingReleaseJobs, sendingTrainJobs } from "@/lib/jobs/queue";
import { promotionMergeMethod } from "@/lib/promotion/merge-method";
import type { PromotionContext } from "@/lib/promotion/types";
import type { ReleaseJobs } from "@/lib/releases/types";
import type { TrainContext } from "@/lib/trains/types";

/**
 * The contexts the web process hands to the promotion verbs: its database,
 * Git provider and job queue. Built here, at the top, because the queue
 * (lib/jobs) sits above the promotion verbs that use it.
 */

function databaseUrl(): string {
  const { databaseUrl } = getConfig();
  if (!databaseUrl) {
    throw new GantryError("unavailable", "No database: DATABASE_URL is not set", {
      system: "postgres",
    });
  }
  return databaseUrl;
}

/** The promotion context of the server process: its database, Git provider and job queue. */
export function getPromotionContext(): PromotionContext {
  const config = getConfig();
  return {
    db: getDb(),
    git: getGitProvider(),
    jobs: sendingPromotionJobs(databaseUrl()),
    versionPath: config.git.versionPath,
    layoutFile: config.git.layoutFile,
    publicUrl: config.publicUrl,
    mergeMethod: promotionMergeMethod(config),
  };
}

/** The release jobs of the server process: registrations ask the job runner to evaluate the rules. */
export function getReleaseJobs(): ReleaseJobs {
  return sendingReleaseJobs(databaseUrl());
}

/** The train context of the server process: the promotion context and the train's job. */
export function getTrainContext(): TrainContext {
  return { ...getPromotionContext(), trainJobs: sendingTrainJobs(databaseUrl()) };
}
