import { randomUUID } from "node:crypto";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import { inputErrorsInWords } from "@/lib/http/route";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { BREAK_GLASS_REASON_MAX } from "@/lib/policy/check-promotion";
import { claimEnvironment } from "@/lib/promotion/claim-environment";
import { MAX_REASON_LENGTH } from "@/lib/promotion/request-promotion";
import { createPromotion, transition } from "@/lib/promotion/transitions";
import { planTrain, type TrainPlan } from "@/lib/trains/plan-train";
import {
  selectionInWords,
  selectTrainApplications,
  TrainSelection,
} from "@/lib/trains/select-train-applications";
import type { TrainContext, TrainProblem } from "@/lib/trains/types";

/** A request for a train, from the portal's form and any other way in: one schema, one set of words. */
export const RequestTrainInput = z.strictObject({
  environment: z
    .string({ error: "the target environment is required" })
    .trim()
    .min(1, "the target environment is required")
    .max(63),
  selection: TrainSelection,
  reason: z
    .string({ error: "say why: the reason goes into the pull request" })
    .trim()
    .min(1, "say why: the reason goes into the pull request")
    .max(MAX_REASON_LENGTH, `at most ${MAX_REASON_LENGTH} characters`),
  /**
   * Open the train with the applications that can be planned and leave out
   * those that cannot (each kept on the train with why). Without it, one
   * application that cannot be planned stops the whole train: nothing opens.
   */
  excludeFailing: z.boolean().optional(),
  breakGlassReason: z
    .string()
    .max(BREAK_GLASS_REASON_MAX, `at most ${BREAK_GLASS_REASON_MAX} characters`)
    .optional(),
});
export type RequestTrainInput = z.infer<typeof RequestTrainInput>;

export interface RequestTrainResult {
  trainId: string;
  promotions: { id: string; application: string; version: string }[];
  /** Applications left out (excludeFailing), with why. */
  excluded: TrainProblem[];
  /** Older open promotions the train's superseded. */
  superseded: string[];
}

/**
 * Plans every selected application at one commit and, when each can travel
 * (or the person chose to leave out those that cannot), records the train
 * and one `planned` promotion per application, supersedes older open
 * promotions of those applications there, and enqueues the job that opens
 * the train's one branch, commit and pull request: all in one transaction.
 *
 * When an application cannot be planned and excludeFailing is not set,
 * nothing is recorded: the refusal (unprocessable) names each application
 * and why, in `details.problems`.
 */
export async function requestTrain(params: {
  ctx: TrainContext;
  principal: Principal;
  input: RequestTrainInput;
}): Promise<RequestTrainResult> {
  const { ctx, principal } = params;
  const parsed = RequestTrainInput.safeParse(params.input);
  if (!parsed.success) throw new GantryError("bad_request", inputErrorsInWords(parsed.error));
  const input = parsed.data;
  const applications = await selectTrainApplications({
    db: ctx.db,
    selection: input.selection,
    environment: input.environment,
  });
  const plan = await planTrain({
    ctx,
    principal,
    applications,
    environment: input.environment,
    breakGlassReason: input.breakGlassReason,
  });
  const forbidden = plan.problems.filter((problem) => problem.forbidden);
  if (forbidden.length > 0 && (!input.excludeFailing || plan.items.length === 0)) {
    throw new GantryError(
      "forbidden",
      `you may not promote ${forbidden.length} of the ${applications.length} applications to ${plan.environment}, so nothing was opened: ${problemsInWords(forbidden)}`,
      { details: { field: "selection", problems: forbidden } },
    );
  }
  if (plan.problems.length > 0 && !input.excludeFailing) {
    throw new GantryError(
      "unprocessable",
      `${plan.problems.length} of ${applications.length} applications cannot be promoted to ${plan.environment}, so nothing was opened: ${problemsInWords(plan.problems)}. Fix them, or leave them out (excludeFailing)`,
      { details: { field: "selection", problems: plan.problems } },
    );
  }
  if (plan.items.length === 0) {
    throw new GantryError(
      "unprocessable",
      `no application of the selection can be promoted to ${plan.environment}: ${problemsInWords(plan.problems)}`,
      { details: { field: "selection", problems: plan.problems } },
    );
  }
  return recordTrain({
    ctx,
    principal,
    plan,
    reason: input.reason,
    selection: selectionInWords(input.selection, plan.environment),
  });
}

function problemsInWords(problems: readonly TrainProblem[]): string {
  const shown = problems.slice(0, 10).map((p) => `${p.application}: ${p.message}`);
  if (problems.length > 10) shown.push(`and ${problems.length - 10} more`);
  return shown.join("; ");
}

async function recordTrain(params: {
  ctx: TrainContext;
  principal: Principal;
  plan: TrainPlan;
  reason: string;
  selection: string;
}): Promise<RequestTrainResult> {
  const { ctx, principal, plan, reason } = params;
  const actor = actorOf(principal);
  const trainId = randomUUID();
  const branch = `gantry/train/${trainId}`;
  // One transaction for every application, so a train exists whole or not at all; the
  // per-application locks are taken in name order, so two trains never wait on each other
  // in a circle.
  return ctx.db.$transaction(
    async (tx) => {
      const claims = [];
      for (const item of plan.items) {
        claims.push({
          item,
          claim: await claimEnvironment({
            tx,
            application: item.application,
            environment: plan.environment,
            version: item.plan.version,
          }),
        });
      }
      await tx.train.create({
        data: {
          id: trainId,
          selection: params.selection,
          reason,
          requestedByName: actor.name,
          requestedByEmail: actor.email,
          requestedById: principal.kind === "person" ? principal.id : null,
          branch,
          baseCommit: plan.baseCommit,
          excluded: plan.problems.map((problem) => ({ ...problem })),
        },
      });
      const promotions: RequestTrainResult["promotions"] = [];
      const superseded: string[] = [];
      for (const { item, claim } of claims) {
        const created = await createPromotion({
          tx,
          actor,
          detail: `in train ${trainId}: ${reason}`,
          promotion: {
            trainId,
            applicationId: claim.applicationId,
            toEnvironmentId: claim.environmentId,
            fromEnvironment: item.plan.fromEnvironment?.name ?? null,
            version: item.plan.version,
            previousVersion: item.plan.currentVersion,
            reason,
            breakGlassReason: item.breakGlassReason,
            requestedByName: actor.name,
            requestedByEmail: actor.email,
            requestedById: principal.kind === "person" ? principal.id : null,
            planDiff: item.plan.diff,
            valuesPath: item.plan.valuesPath,
            locators: item.plan.edits.map((edit) => ({ ...edit, locator: { ...edit.locator } })),
            baseCommit: plan.baseCommit,
            branch,
          },
        });
        promotions.push({
          id: created.id,
          application: item.application,
          version: item.plan.version,
        });
        for (const older of claim.open) {
          await transition({
            tx,
            promotionId: older.id,
            to: "superseded",
            actor,
            detail: `superseded by promotion ${created.id} (${item.plan.version}) in train ${trainId}`,
            data: { supersededById: created.id },
          });
          superseded.push(older.id);
        }
      }
      await recordAuditEvent(tx, {
        actor,
        action: "release_train.requested",
        target: { type: "release_train", id: trainId, environment: plan.environment },
        detail: {
          selection: params.selection,
          reason,
          applications: plan.items.length,
          excluded: plan.problems.map((p) => p.application),
        },
      });
      await ctx.trainJobs.enqueueOpenTrainPullRequest({ trainId, tx });
      return { trainId, promotions, excluded: plan.problems, superseded };
    },
    { maxWait: 10_000, timeout: 5 * 60_000 },
  );
}
