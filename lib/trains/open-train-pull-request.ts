import { GantryError } from "@/lib/errors";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import {
  applyLocatorEdits,
  changesDiff,
  type FileChange,
  filesToRead,
  type LocatorEdit,
  storedEdits,
} from "@/lib/promotion/locator-edits";
import { promotionLabels, supersededComment } from "@/lib/promotion/pull-request-text";
import { closeWithComment } from "@/lib/promotion/supersede";
import { lockPromotion, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";
import { writeChangeOnce } from "@/lib/promotion/write-change-once";
import { trainBody, trainCommitMessage, trainTitle, trainUrl } from "@/lib/trains/train-text";

export interface OpenTrainResult {
  /** Promotions moved to pr_open by this run. */
  opened: number;
  prNumber: number | null;
}

/**
 * The train's job: makes its one branch at the base commit, one commit with
 * every application's files, and one pull request listing them all, then
 * records `pr_open` on each of its promotions that is still planned, in one
 * transaction. Idempotent like a single promotion's job: one read finds what
 * exists and one writeChange makes the rest (on GitHub one query and one
 * request of mutations, then the labels), so a rerun after a crash at any point
 * ends with one branch, one commit and one pull request. Runs of the same
 * train are serialised by an advisory lock.
 */
export async function openTrainPullRequest(params: {
  ctx: PromotionContext;
  trainId: string;
}): Promise<OpenTrainResult> {
  const { ctx, trainId } = params;
  return ctx.db.$transaction(
    async (lock) => {
      const rows = await lock.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(hashtext(${`gantry:train-job:${trainId}`})) AS locked`;
      if (!rows[0]?.locked) {
        throw new GantryError(
          "unavailable",
          "another worker is opening this train's pull request right now",
        );
      }
      return openUnderLock(ctx, trainId);
    },
    { maxWait: 10_000, timeout: 10 * 60_000 },
  );
}

async function openUnderLock(ctx: PromotionContext, trainId: string): Promise<OpenTrainResult> {
  const { db, git } = ctx;
  const train = await db.train.findUnique({
    where: { id: trainId },
    include: {
      promotions: {
        where: { state: "planned" },
        orderBy: { application: { slug: "asc" } },
        include: {
          application: { select: { slug: true } },
          toEnvironment: { select: { name: true } },
        },
      },
    },
  });
  if (!train) throw new GantryError("not_found", `No train with id ${trainId}`);
  // Done already, or closed before the job ran.
  if (train.promotions.length === 0) return { opened: 0, prNumber: train.prNumber };
  await db.train.update({ where: { id: trainId }, data: { attempts: { increment: 1 } } });
  await closeSupersededPullRequests(ctx, trainId);

  const promotions = train.promotions;
  const environment = promotions[0]?.toEnvironment.name ?? "";
  const changes = await trainFiles(ctx, train.baseCommit, promotions);
  const author = { name: train.requestedByName, email: train.requestedByEmail };
  const text = {
    id: train.id,
    environment,
    selection: train.selection,
    reason: train.reason,
    requestedBy: author,
    publicUrl: ctx.publicUrl,
    applications: promotions.map((p) => ({
      application: p.application.slug,
      previousVersion: p.previousVersion,
      version: p.version,
      valuesPath: p.valuesPath,
    })),
  };

  // What exists already (a rerun after a crash finds its own branch, commit or pull request),
  // then what is missing: the branch at the base commit every application was planned at, one
  // commit with every application's files, and the pull request.
  const { commit, pullRequest: pr } = await writeChangeOnce({
    git,
    branch: train.branch,
    baseCommit: train.baseCommit,
    changes,
    owner: "train",
    commitMessage: trainCommitMessage(text),
    author,
    pullRequest: {
      title: trainTitle(text),
      body: trainBody(text),
      labels: [...promotionLabels(environment), "train"],
    },
  });

  // 4. Record it on the train and on every promotion still planned: their rows locked
  // first, in id order, before the audit chain's lock the first transition takes.
  const opened = pr;
  const moved = await db.$transaction(
    async (tx) => {
      const ids = promotions.map((p) => p.id).sort();
      const states = new Map<string, string>();
      for (const id of ids) states.set(id, await lockPromotion(tx, id));
      await tx.train.update({
        where: { id: trainId },
        data: {
          prNumber: opened.number,
          prUrl: opened.url,
          headCommit: commit,
          failureReason: null,
        },
      });
      let count = 0;
      for (const id of ids) {
        const data = { prNumber: opened.number, prUrl: opened.url, headCommit: commit };
        if (states.get(id) !== "planned") {
          await tx.promotion.update({ where: { id }, data });
          continue;
        }
        await transition({
          tx,
          promotionId: id,
          to: "pr_open",
          from: ["planned"],
          actor: GANTRY_ACTOR,
          detail: `pull request #${opened.number} opened on ${train.branch} for the train`,
          data: { ...data, failureReason: null },
        });
        count += 1;
      }
      return count;
    },
    { maxWait: 10_000, timeout: 5 * 60_000 },
  );
  if (moved === 0) {
    await closeWithComment({
      ctx,
      number: opened.number,
      body: `The train was closed in Gantry before its pull request was recorded (${trainUrl(ctx.publicUrl, trainId)}); Gantry closed this pull request.`,
    });
  }
  return { opened: moved, prNumber: opened.number };
}

/**
 * Every application's files at the base commit with its planned versions
 * written. Each application's own change is checked against the diff it
 * was planned with, so what is committed is what the person saw, or
 * nothing is; files two applications share take both edits.
 */
async function trainFiles(
  ctx: PromotionContext,
  baseCommit: string,
  promotions: readonly {
    valuesPath: string;
    version: string;
    planDiff: string;
    locators: unknown;
    application: { slug: string };
  }[],
): Promise<FileChange[]> {
  const editsOf = promotions.map(
    (p): LocatorEdit[] =>
      storedEdits(p.locators) ?? [
        {
          locator: { kind: "yaml", file: p.valuesPath, path: ctx.versionPath },
          version: p.version,
          digest: null,
        },
      ],
  );
  const paths = filesToRead(editsOf.flat());
  const files = await ctx.git.readFiles({ ref: baseCommit, paths });
  const missing = paths.find((path) => !files.has(path));
  if (missing !== undefined) {
    throw new GantryError(
      "unprocessable",
      `${missing} does not exist at ${baseCommit.slice(0, 12)}`,
    );
  }
  for (const [index, p] of promotions.entries()) {
    const own = applyLocatorEdits(files, editsOf[index] ?? [], { pinRanges: true });
    if (changesDiff(own) !== p.planDiff) {
      throw new GantryError(
        "conflict",
        `the change to ${p.application.slug}'s files at ${baseCommit.slice(0, 12)} is not the planned diff; close this train and request it again`,
      );
    }
  }
  return applyLocatorEdits(files, editsOf.flat(), { pinRanges: true });
}

/** Closes the pull requests of single promotions the train's superseded, each with a link. */
async function closeSupersededPullRequests(ctx: PromotionContext, trainId: string): Promise<void> {
  const older = await ctx.db.promotion.findMany({
    where: { supersededBy: { trainId }, prNumber: { not: null }, trainId: null },
    select: { prNumber: true, supersededBy: { select: { id: true, version: true } } },
  });
  for (const { prNumber, supersededBy } of older) {
    if (prNumber === null || supersededBy === null) continue;
    await closeWithComment({
      ctx,
      number: prNumber,
      body: supersededComment({
        publicUrl: ctx.publicUrl,
        newerId: supersededBy.id,
        version: supersededBy.version,
      }),
    });
  }
}

/** Marks a train's planned promotions failed with the reason; those that moved on are left. */
export async function markTrainFailed(params: {
  ctx: Pick<PromotionContext, "db">;
  trainId: string;
  reason: string;
}): Promise<number> {
  const { db } = params.ctx;
  return db.$transaction(async (tx) => {
    const planned = await tx.promotion.findMany({
      where: { trainId: params.trainId, state: "planned" },
      select: { id: true },
      orderBy: { id: "asc" },
    });
    for (const { id } of planned) await lockPromotion(tx, id);
    await tx.train.update({
      where: { id: params.trainId },
      data: { failureReason: params.reason },
    });
    for (const { id } of planned) {
      await transition({
        tx,
        promotionId: id,
        to: "failed",
        actor: GANTRY_ACTOR,
        detail: params.reason,
        data: { failureReason: params.reason },
      });
    }
    return planned.length;
  });
}
