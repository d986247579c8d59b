import { type GantryConfig, getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { getGitProvider } from "@/lib/git";
import { sendingPromotionJobs } from "@/lib/jobs/queue";
import type { PromotionContext } from "@/lib/promotion/types";

/** The promotion context of the server process: its database, Git provider and job queue. */
export function getPromotionContext(): PromotionContext {
  const config = getConfig();
  if (!config.databaseUrl) {
    throw new GantryError("unavailable", "No database: DATABASE_URL is not set", {
      system: "postgres",
    });
  }
  return {
    db: getDb(),
    git: getGitProvider(),
    jobs: sendingPromotionJobs(config.databaseUrl),
    versionPath: config.git.versionPath,
    publicUrl: config.publicUrl,
    mergeMethod: promotionMergeMethod(config),
  };
}

/** How promotions merge: GitHub's setting (GANTRY_GITHUB_MERGE_METHOD) there, a merge commit on the local provider. */
export function promotionMergeMethod(config: GantryConfig): "merge" | "squash" {
  return config.git.provider === "github" ? config.github.mergeMethod : "merge";
}
