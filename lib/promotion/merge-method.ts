import type { GantryConfig } from "@/lib/config";

/** How promotions merge: GitHub's setting (GANTRY_GITHUB_MERGE_METHOD) there, a merge commit on the local provider. */
export function promotionMergeMethod(config: GantryConfig): "merge" | "squash" {
  return config.git.provider === "github" ? config.github.mergeMethod : "merge";
}
