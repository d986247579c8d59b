import { GantryError, isGantryError } from "@/lib/errors";
import type { Prisma, PromotionKind, PromotionState } from "@/lib/generated/prisma/client";
import { describeLocator } from "@/lib/gitops-repo/locator";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { logUnexpected } from "@/lib/log";
import {
  applyLocatorEdits,
  changesDiff,
  type FileChange,
  filesToRead,
  type LocatorEdit,
  storedEdits,
} from "@/lib/promotion/locator-edits";
import { autoMergeIfSatisfied } from "@/lib/promotion/merge-promotion";
import {
  type PromotionText,
  promotionBody,
  promotionCommitMessage,
  promotionLabels,
  promotionTitle,
  promotionUrl,
} from "@/lib/promotion/pull-request-text";
import { closeSupersededPullRequests, closeWithComment } from "@/lib/promotion/supersede";
import { lockPromotion, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";
import { writeChangeOnce } from "@/lib/promotion/write-change-once";

/** The steps of opening a promotion's pull request, in order; each is a possible crash point. */
export type OpenPullRequestStep = "branch" | "commit" | "pull_request" | "recorded";

export interface OpenPullRequestResult {
  state: PromotionState;
  prNumber: number | null;
}

/**
 * The job body: makes the promotion's branch, its one commit and its pull
 * request, then records `pr_open`. Idempotent: each step first looks for
 * what it would create, so a rerun after a crash at any point ends with one
 * branch, one commit and one pull request.
 *
 *   branch:       missing → create at baseCommit; at baseCommit → reuse;
 *                 one commit on top that is ours → reuse; else refuse
 *   commit:       branch missing or at baseCommit → commit; else it is ours already
 *   pull request: one for branch → base exists → reuse; else open
 *
 * One read finds what exists and one writeChange makes the rest (on GitHub
 * one query and one request of mutations, then the labels).
 *
 * Runs of the same promotion are serialised by an advisory lock; a second
 * run while one is in progress fails as retryable ("unavailable").
 *
 * `afterStep` is for tests that inject crashes.
 */
export async function openPromotionPullRequest(params: {
  ctx: PromotionContext;
  promotionId: string;
  afterStep?: (step: OpenPullRequestStep) => void | Promise<void>;
}): Promise<OpenPullRequestResult> {
  const { ctx, promotionId } = params;
  const afterStep = params.afterStep ?? (() => undefined);
  // The job's lock, the reads and the record of pr_open share one transaction: the record
  // commits with it, and a crash before that leaves what Git holds for the rerun to find.
  const run = await ctx.db.$transaction(
    async (tx) => {
      const rows = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(hashtext(${`gantry:promotion-job:${promotionId}`})) AS locked`;
      if (!rows[0]?.locked) {
        throw new GantryError(
          "unavailable",
          "another worker is opening this promotion's pull request right now",
        );
      }
      return openUnderLock({ ctx, tx, promotionId, afterStep });
    },
    { maxWait: 10_000, timeout: 10 * 60_000 },
  );
  const result: OpenPullRequestResult = { state: run.state, prNumber: run.prNumber };
  if (run.opened) {
    await afterStep("recorded");
    // Superseded or closed while the job worked: the pull request it just opened is closed again.
    if (run.state !== "pr_open") await closeOpenedInVain({ ctx, ...run.opened });
  }
  // With autoMerge and no approvals required, the policy is satisfied as soon as the
  // pull request is open. Also on a rerun: a retry of a failed auto-merge lands here.
  if (result.state === "pr_open" || result.state === "approved") {
    const autoMerge = await autoMergeIfSatisfied({ ctx, promotionId });
    if (autoMerge.kind === "failed" && autoMerge.retryable) {
      // The job retries; the pull request is open already and is not opened again.
      throw new GantryError("unavailable", `auto-merge failed: ${autoMerge.reason}`);
    }
    if (autoMerge.kind === "merged") return { ...result, state: "merged" };
  }
  return result;
}

/** What a run under the job's lock did; `opened` when it opened and recorded a pull request. */
interface LockedRun extends OpenPullRequestResult {
  opened?: { number: number; supersededById: string | null };
}

async function openUnderLock(params: {
  ctx: PromotionContext;
  tx: Prisma.TransactionClient;
  promotionId: string;
  afterStep: (step: OpenPullRequestStep) => void | Promise<void>;
}): Promise<LockedRun> {
  const { ctx, tx, promotionId, afterStep } = params;
  const { git } = ctx;
  // Outside the transaction: the attempt it counts stays counted when this run fails.
  const p = await readPlannedPromotion(ctx.db, promotionId);
  // Done already, or superseded or closed before the job ran: nothing to do.
  if (p.state !== "planned") return { state: p.state, prNumber: p.prNumber };

  await closeSupersededPullRequests({
    ctx,
    newer: { id: p.id, version: p.version },
    pullRequests: p.supersededPullRequests,
  });

  const text: PromotionText = {
    id: p.id,
    application: p.application,
    environment: p.environment,
    fromEnvironment: p.fromEnvironment,
    version: p.version,
    previousVersion: p.previousVersion,
    valuesPath: p.valuesPath,
    places: storedEdits(p.locators)?.map((edit) => describeLocator(edit.locator)),
    reason: p.reason,
    breakGlassReason: p.breakGlassReason,
    requestedBy: { name: p.requestedByName, email: p.requestedByEmail },
    publicUrl: ctx.publicUrl,
    kind: p.kind,
  };
  // The files and what exists of the change are read side by side: neither needs the other.
  const [changes, found] = await Promise.all([
    promotedFiles(ctx, p),
    git.findChange({ branch: p.branch, base: git.defaultBranch }),
  ]);
  const author = { name: p.requestedByName, email: p.requestedByEmail };

  // What exists already (a rerun after a crash finds its own branch, commit or pull request),
  // then what is missing: the branch at the plan's base commit, one commit with the files with
  // the new version, and the pull request.
  const { commit, pullRequest: pr } = await writeChangeOnce({
    git,
    found,
    branch: p.branch,
    baseCommit: p.baseCommit,
    changes,
    owner: "promotion",
    commitMessage: promotionCommitMessage(text),
    author,
    pullRequest: {
      title: promotionTitle(text),
      body: promotionBody(text),
      labels: promotionLabels(text.environment),
    },
    afterStep,
  });

  // 4. Record it, in the lock's transaction. The promotion may have been superseded or closed
  // while the job worked: then what was made is kept on it, and the caller closes the pull
  // request again once this commits.
  const opened = pr;
  const data = { prNumber: opened.number, prUrl: opened.url, headCommit: commit };
  const recorded = await transition({
    tx,
    promotionId: p.id,
    to: "pr_open",
    from: ["planned"],
    actor: GANTRY_ACTOR,
    detail: `pull request #${opened.number} opened on ${p.branch}`,
    data: { ...data, failureReason: null },
  }).then(
    (updated) => ({ state: updated.state, supersededById: updated.supersededById }),
    async (error: unknown) => {
      // No longer planned (the transition's check said so before it wrote anything).
      if (!isGantryError(error) || error.code !== "conflict") throw error;
      const state = await lockPromotion(tx, p.id);
      if (state === "planned") throw error;
      const updated = await tx.promotion.update({
        where: { id: p.id },
        data,
        select: { supersededById: true },
      });
      return { state, supersededById: updated.supersededById };
    },
  );
  return {
    state: recorded.state,
    prNumber: opened.number,
    opened: { number: opened.number, supersededById: recorded.supersededById },
  };
}

/** Closes a pull request opened for a promotion that was superseded or closed meanwhile. */
async function closeOpenedInVain(params: {
  ctx: PromotionContext;
  number: number;
  supersededById: string | null;
}): Promise<void> {
  const { ctx, supersededById: newer } = params;
  await closeWithComment({
    ctx,
    number: params.number,
    body: newer
      ? `Superseded by a newer promotion: ${promotionUrl(ctx.publicUrl, newer)}. Gantry closed this pull request.`
      : "The promotion was closed in Gantry before its pull request was recorded; Gantry closed this pull request.",
  });
}

/** What the job reads of its promotion before it touches Git. */
interface PlannedPromotion {
  id: string;
  state: PromotionState;
  kind: PromotionKind;
  application: string;
  environment: string;
  fromEnvironment: string | null;
  version: string;
  previousVersion: string;
  valuesPath: string;
  reason: string;
  breakGlassReason: string | null;
  requestedByName: string;
  requestedByEmail: string;
  planDiff: string;
  locators: unknown;
  baseCommit: string;
  branch: string;
  prNumber: number | null;
  supersededById: string | null;
  /** The still-recorded pull requests of the promotions this one superseded (trains' excepted). */
  supersededPullRequests: number[];
}

/**
 * The promotion, its application and environment, and the pull requests it
 * superseded, in one round trip that also counts the attempt when it is
 * still planned (a promotion that moved on is only read).
 */
async function readPlannedPromotion(
  db: PromotionContext["db"],
  promotionId: string,
): Promise<PlannedPromotion> {
  const rows = await db.$queryRaw<
    (Omit<PlannedPromotion, "supersededPullRequests"> & {
      supersededPullRequests: number[] | null;
    })[]
  >`
    WITH attempt AS (
      UPDATE "Promotion" SET attempts = attempts + 1, "updatedAt" = now()
      WHERE id = ${promotionId}::uuid AND state = 'planned'
      RETURNING id
    )
    SELECT p.id, p.state, p.kind, a.slug AS application, e.name AS environment,
      p."fromEnvironment", p.version, p."previousVersion", p."valuesPath", p.reason,
      p."breakGlassReason", p."requestedByName", p."requestedByEmail", p."planDiff", p.locators,
      p."baseCommit", p.branch, p."prNumber", p."supersededById",
      (SELECT json_agg(older."prNumber" ORDER BY older.id) FROM "Promotion" older
        WHERE older."supersededById" = p.id AND older."prNumber" IS NOT NULL
          AND older."trainId" IS NULL) AS "supersededPullRequests"
    FROM "Promotion" p
    JOIN "Application" a ON a.id = p."applicationId"
    JOIN "Environment" e ON e.id = p."toEnvironmentId"
    LEFT JOIN attempt ON attempt.id = p.id
    WHERE p.id = ${promotionId}::uuid`;
  const row = rows[0];
  if (!row) throw new GantryError("not_found", `No promotion with id ${promotionId}`);
  return { ...row, supersededPullRequests: row.supersededPullRequests ?? [] };
}

/**
 * The files at the base commit with the planned versions written: the same
 * bytes the plan showed. Checked against the planned diff, so what is
 * committed is what the person saw, or nothing is. A promotion planned
 * before locators were stored edits its valuesPath at the version path.
 */
async function promotedFiles(
  ctx: PromotionContext,
  p: {
    baseCommit: string;
    valuesPath: string;
    version: string;
    planDiff: string;
    locators: unknown;
  },
): Promise<FileChange[]> {
  const edits: LocatorEdit[] = storedEdits(p.locators) ?? [
    {
      locator: { kind: "yaml", file: p.valuesPath, path: ctx.versionPath },
      version: p.version,
      digest: null,
    },
  ];
  const paths = filesToRead(edits);
  const files = await ctx.git.readFiles({ ref: p.baseCommit, paths });
  const missing = paths.find((path) => !files.has(path));
  if (missing !== undefined) {
    throw new GantryError(
      "unprocessable",
      `${missing} does not exist at ${p.baseCommit.slice(0, 12)}`,
    );
  }
  // The plan already refused a range without pinRanges; the diff check below
  // holds this write to exactly what the plan showed.
  const changes = applyLocatorEdits(files, edits, { pinRanges: true });
  if (changesDiff(changes) !== p.planDiff) {
    throw new GantryError(
      "conflict",
      `the change to ${paths.join(", ")} at ${p.baseCommit.slice(0, 12)} is not the planned diff; close this promotion and request it again`,
    );
  }
  return changes;
}

/** Errors a retry cannot fix: the job gives up at once and the promotion shows the reason. */
export function isPermanentFailure(error: unknown): boolean {
  return (
    isGantryError(error) &&
    ["bad_request", "not_found", "conflict", "unprocessable", "forbidden"].includes(error.code)
  );
}

/** Words safe to store and show: our own messages, or only an error id for anything else. */
export function failureReason(error: unknown, context: Record<string, unknown>): string {
  if (isGantryError(error)) return error.message;
  const errorId = logUnexpected(error, context);
  return `unexpected error (error id ${errorId} in the server log)`;
}

/** Marks a planned promotion failed; does nothing when it has moved on. */
export async function markPromotionFailed(params: {
  ctx: PromotionContext;
  promotionId: string;
  reason: string;
}): Promise<boolean> {
  return params.ctx.db.$transaction(async (tx) => {
    const state = await lockPromotion(tx, params.promotionId);
    if (state !== "planned") return false;
    await transition({
      tx,
      promotionId: params.promotionId,
      to: "failed",
      actor: GANTRY_ACTOR,
      detail: params.reason,
      data: { failureReason: params.reason },
    });
    return true;
  });
}
