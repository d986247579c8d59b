import { z } from "zod";
import type { PullRequestChange } from "@/lib/promotion/pull-request-sync";

/**
 * Something that happened on the Git host, in the host's words but no
 * longer in its format: what a webhook delivery says, and what the poller
 * concludes from reading a pull request. Both hand it to `applyHostChange`,
 * the one place that decides what it means for promotions and the catalogue.
 */
export type HostChange =
  /**
   * A pull request merged, closed, showed a new head (opened, reopened,
   * synchronised) or was reviewed (a review submitted or dismissed; the
   * poller reports all of them at once).
   */
  | (PullRequestChange & { pullRequest: number })
  /** A check or commit status changed on `sha`: pages showing a promotion with that head re-read it. */
  | { kind: "checks_changed"; sha: string }
  /** The default branch moved (a push): the catalogue is re-imported. */
  | { kind: "default_branch_pushed"; after: string };

const sha = z.string().regex(/^[0-9a-f]{40}$/, "expected a 40-character commit SHA");
const pullRequest = z.number().int().positive();
const date = z.coerce.date();

/**
 * A HostChange read back from where it waited (a job's JSON): bounded, with
 * dates revived. The job's data is an edge like any other.
 */
export const HostChangeSchema: z.ZodType<HostChange, unknown> = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("merged"),
    pullRequest,
    mergeCommit: sha.nullable(),
    mergedAt: date.nullable(),
  }),
  z.object({ kind: z.literal("closed"), pullRequest }),
  z.object({ kind: z.literal("head_moved"), pullRequest, headSha: sha }),
  z.object({
    kind: z.literal("reviews"),
    pullRequest,
    headSha: sha.nullable(),
    reviews: z
      .array(
        z.object({
          id: z.string().min(1).max(100),
          reviewer: z.string().max(100).nullable(),
          state: z.enum(["approved", "changes_requested", "commented", "dismissed"]),
          body: z.string().max(65_536),
          commitSha: sha.nullable(),
          submittedAt: date.nullable(),
        }),
      )
      .max(1000),
  }),
  z.object({ kind: z.literal("checks_changed"), sha }),
  z.object({ kind: z.literal("default_branch_pushed"), after: sha }),
]);
