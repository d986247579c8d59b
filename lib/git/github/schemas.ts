import { z } from "zod";

/**
 * The fields Gantry reads from GitHub's answers, and nothing more: a field
 * GitHub adds is ignored, a field we rely on that is missing or of another
 * type is a clear error instead of an `undefined` deep inside a promotion.
 */

const sha = z.string().regex(/^[0-9a-f]{40}$/, "expected a commit SHA");
const user = z.object({ login: z.string() });

export const commitSchema = z.object({
  sha,
  commit: z.object({
    message: z.string(),
    author: z.object({ name: z.string(), email: z.string(), date: z.string() }).nullable(),
    tree: z.object({ sha }),
  }),
});

export const commitListSchema = z.array(commitSchema);

/** GET compare/{base}...{head}: how head relates to base. */
export const comparisonSchema = z.object({
  status: z.enum(["diverged", "ahead", "behind", "identical"]),
});

export const createdObjectSchema = z.object({ sha });

export const gitCommitSchema = z.object({ sha, tree: z.object({ sha }) });

export const refSchema = z.object({
  ref: z.string(),
  object: z.object({ type: z.string(), sha }),
});

export const labelListSchema = z.array(z.object({ name: z.string() }));

const pullRequestBase = z.object({
  number: z.number().int().positive(),
  state: z.enum(["open", "closed"]),
  title: z.string(),
  body: z.string().nullable(),
  html_url: z.string(),
  head: z.object({ ref: z.string(), sha, label: z.string() }),
  base: z.object({ ref: z.string() }),
  labels: z.array(z.object({ name: z.string() })),
  user: user.nullable(),
  merge_commit_sha: z.string().nullable(),
  created_at: z.string(),
  merged_at: z.string().nullable(),
  closed_at: z.string().nullable(),
});

/** GET /pulls/{n}, POST /pulls, PATCH /pulls/{n}. */
export const pullRequestSchema = pullRequestBase.extend({ merged: z.boolean() });

/** GET /pulls (the list has no `merged`; `merged_at` says it). */
export const pullRequestListSchema = z.array(pullRequestBase);

export const reviewSchema = z.object({
  id: z.number().int(),
  user: user.nullable(),
  state: z.string(),
  body: z.string(),
  commit_id: z.string().nullable(),
  submitted_at: z.string().optional(),
});

export const reviewListSchema = z.array(reviewSchema);

export const combinedStatusSchema = z.object({
  state: z.string(),
  statuses: z.array(
    z.object({
      context: z.string(),
      state: z.string(),
      target_url: z.string().nullable(),
    }),
  ),
});

/** What POST statuses/{sha} answers (the parts Gantry checks). */
export const commitStatusSchema = z.object({
  id: z.number().int(),
  state: z.string(),
  context: z.string(),
});

export const checkRunListSchema = z.object({
  total_count: z.number().int(),
  check_runs: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      conclusion: z.string().nullable(),
      html_url: z.string().nullable(),
      details_url: z.string().nullable(),
    }),
  ),
});

export const mergeResultSchema = z.object({ merged: z.boolean(), sha, message: z.string() });

export const commentSchema = z.object({ id: z.number().int() });

/** A GitHub error body: `message` is what GitHub says went wrong. */
export const errorBodySchema = z.object({
  message: z.string(),
  errors: z
    .array(
      z.union([
        z.string(),
        z.object({ message: z.string().optional(), code: z.string().optional() }),
      ]),
    )
    .optional()
    .catch(undefined),
});

/** The `errors` of a GraphQL answer (GitHub adds a `type` to its own). */
export const graphqlErrorsSchema = z.array(
  z.object({
    type: z.string().optional(),
    message: z.string(),
    extensions: z.object({ code: z.string().optional() }).optional(),
  }),
);

/** GET compare/{base}...{head}: how head relates to base, and the files changed. */
export const changesSchema = comparisonSchema.extend({
  files: z
    .array(
      z.object({
        filename: z.string().min(1).max(4096),
        status: z.string(),
        previous_filename: z.string().min(1).max(4096).optional(),
      }),
    )
    .max(10_000)
    .optional(),
});

/** GET git/blobs/{sha}: one blob's bytes. */
export const blobSchema = z.object({
  sha: z.string(),
  size: z.number().int().nonnegative(),
  content: z.string(),
  encoding: z.string(),
});
