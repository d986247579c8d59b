import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError, isGantryError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import {
  BREAK_GLASS_REASON_MAX,
  checkPromotionPolicy,
  enforcePromotionPolicy,
} from "@/lib/policy/check-promotion";
import { promotionBranch } from "@/lib/promotion/branch-name";
import { claimEnvironment } from "@/lib/promotion/claim-environment";
import { type PromotionSummary, toSummary } from "@/lib/promotion/dto";
import { planPromotion } from "@/lib/promotion/plan-promotion";
import { applicationTeam } from "@/lib/promotion/promotion-resource";
import { createPromotion, transition } from "@/lib/promotion/transitions";
import type { PromotionContext } from "@/lib/promotion/types";

export const MAX_REASON_LENGTH = 2_000;

const commitId = z
  .string()
  .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "expected a full commit or blob id");

/**
 * What a request for a promotion carries, from the portal's form, the API
 * (POST /api/v1/promotions) and any other way in: one schema, so each
 * refuses the same input with the same words.
 */
export const RequestPromotionInput = z
  .strictObject({
    app: z.string({ error: "the application slug is required" }).trim().min(1).max(63),
    environment: z.string({ error: "the target environment is required" }).trim().min(1).max(63),
    /** Defaults to the version the previous environment runs. */
    version: z.string().trim().min(1).max(200).optional(),
    reason: z
      .string({ error: "say why: the reason goes into the pull request" })
      .trim()
      .min(1, "say why: the reason goes into the pull request")
      .max(MAX_REASON_LENGTH, `at most ${MAX_REASON_LENGTH} characters`),
    skipOrder: z.boolean().optional(),
    allowNewVersion: z.boolean().optional(),
    /** Why a frozen environment must take it anyway: people with break-glass only (10–500 characters). */
    breakGlassReason: z
      .string()
      .max(BREAK_GLASS_REASON_MAX, `at most ${BREAK_GLASS_REASON_MAX} characters`)
      .optional(),
    /** The plan the requester saw; the request is refused when the file changed since. */
    plannedAt: z.strictObject({ baseCommit: commitId, blobId: commitId }).optional(),
  })
  .refine((input) => input.plannedAt === undefined || input.version !== undefined, {
    message: "say which version the plan was for",
    path: ["version"],
  });
export type RequestPromotionInput = z.infer<typeof RequestPromotionInput>;

/** The domain's parameters for a parsed input. */
export function requestPromotionParams(
  input: RequestPromotionInput,
): Omit<RequestPromotionParams, "ctx" | "principal"> {
  const { app, ...rest } = input;
  return { ...rest, application: app };
}

/** The new plan a request whose file changed since it was planned is refused with, for the person to look at. */
const ChangedPlan = z.object({
  baseCommit: z.string(),
  blobId: z.string(),
  version: z.string(),
  currentVersion: z.string(),
  diff: z.string(),
});
export type ChangedPlan = z.infer<typeof ChangedPlan>;

/** The new plan of a request refused because the file changed since it was planned; null for any other error. */
export function changedPlanOf(error: unknown): ChangedPlan | null {
  if (!isGantryError(error) || error.code !== "conflict") return null;
  const plan = ChangedPlan.safeParse(error.details?.changedPlan);
  return plan.success ? plan.data : null;
}

export interface RequestPromotionParams {
  ctx: PromotionContext;
  /** Who asks: a developer of the application's team, an admin, or a CI token with promotions:write. */
  principal: Principal;
  application: string;
  environment: string;
  /** Defaults to the version the previous environment runs. */
  version?: string;
  /** Why: goes into the pull request body and the audit trail. */
  reason: string;
  /**
   * Promote although the previous environment runs another version. Into an
   * environment whose policy has an order rule only admins may, and the
   * version must still have been deployed there (the policy holds).
   */
  skipOrder?: boolean;
  allowNewVersion?: boolean;
  /**
   * Why a frozen environment must take this promotion anyway (10–500
   * characters); only for people with break-glass. Kept on the promotion,
   * written into the pull request and the audit log. Ignored when nothing
   * is frozen.
   */
  breakGlassReason?: string;
  /**
   * The plan the requester saw (its base commit and the values file's blob).
   * When the file has changed since, nothing is requested: the refusal
   * (a conflict, see changedPlanOf) carries the new plan to show instead.
   * The branch may have moved on for other files: the plan is still exact.
   */
  plannedAt?: { baseCommit: string; blobId: string };
  /**
   * Runs inside the request's transaction once the promotion exists (a
   * progression rule records there that it opened it); a throw undoes the
   * whole request.
   */
  onRequested?: (params: { tx: Prisma.TransactionClient; promotionId: string }) => Promise<void>;
}

export interface RequestPromotionResult {
  promotion: PromotionSummary;
  /** Older open promotions of the same app and environment that this one superseded. */
  superseded: string[];
}

/**
 * Plans a promotion, records it as `planned` and enqueues the job that opens
 * its pull request, all in one transaction: the job exists exactly when the
 * promotion does. Open promotions of the same app and environment are
 * superseded in the same step; their pull requests are closed (with a
 * comment linking this one) by this promotion's job, which retries.
 */
export async function requestPromotion(
  params: RequestPromotionParams,
): Promise<RequestPromotionResult> {
  const { ctx, principal } = params;
  // The plan only reads, so it runs beside the permission's lookup; a refusal of the
  // permission still comes first, and says nothing of what the plan found.
  const [teamLookup, planned] = await Promise.allSettled([
    applicationTeam(ctx.db, params.application),
    planPromotion({
      db: ctx.db,
      git: ctx.git,
      versionPath: ctx.versionPath,
      layoutFile: ctx.layoutFile,
      application: params.application,
      environment: params.environment,
      version: params.version,
      skipOrder: params.skipOrder,
      allowNewVersion: params.allowNewVersion,
    }),
  ]);
  if (teamLookup.status === "rejected") throw teamLookup.reason;
  const team = teamLookup.value;
  assertCan(principal, "promotion:request", { team, environment: params.environment });
  const actor = actorOf(principal);
  const reason = params.reason.trim();
  if (reason === "" || reason.length > MAX_REASON_LENGTH) {
    throw new GantryError(
      "bad_request",
      `say why in 1–${MAX_REASON_LENGTH} characters; the reason goes into the pull request`,
      { details: { field: "reason" } },
    );
  }
  if (planned.status === "rejected") throw planned.reason;
  const plan = planned.value;
  if (params.plannedAt && plan.blobId !== params.plannedAt.blobId) {
    const changedPlan: ChangedPlan = {
      baseCommit: plan.baseCommit,
      blobId: plan.blobId,
      version: plan.version,
      currentVersion: plan.currentVersion,
      diff: plan.diff,
    };
    throw new GantryError(
      "conflict",
      `${plan.valuesPath} changed since you looked (planned at ${params.plannedAt.baseCommit.slice(0, 12)}, now ${plan.baseCommit.slice(0, 12)}); nothing was requested: check the new change and ask again`,
      { details: { field: "plannedAt", changedPlan } },
    );
  }
  // The policy is read on the pool while the transaction starts and claims the environment;
  // it is enforced before anything is written, so a refusal rolls back a transaction that
  // wrote nothing, and still comes before any other refusal.
  const policyRead = checkPromotionPolicy({
    db: ctx.db,
    application: plan.application.slug,
    environment: plan.environment.name,
    previousEnvironment: plan.fromEnvironment,
    version: plan.version,
  });
  // Awaited inside the transaction, or never when the transaction fails to start.
  policyRead.catch(() => undefined);

  return ctx.db.$transaction(
    async (tx) => {
      const { applicationId, environmentId, open, attempt } = await claimEnvironment({
        tx,
        application: plan.application.slug,
        environment: plan.environment.name,
        version: plan.version,
      });
      const policyCheck = await policyRead;
      const { breakGlassReason } = enforcePromotionPolicy({
        check: policyCheck,
        principal,
        team,
        skipOrder: params.skipOrder ?? false,
        breakGlassReason: params.breakGlassReason,
      });
      // Superseding one application of a train would pull it out of a pull request that
      // others share: the train is closed or merged as a whole.
      const inTrain = open.find((p) => p.trainId !== null && p.state !== "failed");
      if (inTrain) {
        throw new GantryError(
          "conflict",
          `${plan.application.slug} is on its way to ${plan.environment.name} in a release train; close the train or let it merge first`,
          { details: { promotionId: inTrain.id, trainId: inTrain.trainId } },
        );
      }
      const same = open.find((p) => p.version === plan.version && p.state !== "failed");
      if (same) {
        throw new GantryError(
          "conflict",
          `a promotion of ${plan.application.slug} ${plan.version} to ${plan.environment.name} is already under way`,
          { details: { promotionId: same.id } },
        );
      }
      const created = await createPromotion({
        tx,
        actor,
        detail: reason,
        names: {
          application: plan.application.slug,
          team,
          environment: plan.environment.name,
        },
        promotion: {
          applicationId,
          toEnvironmentId: environmentId,
          fromEnvironment: plan.fromEnvironment?.name ?? null,
          version: plan.version,
          previousVersion: plan.currentVersion,
          reason,
          breakGlassReason,
          requestedByName: actor.name,
          requestedByEmail: actor.email,
          requestedById: principal.kind === "person" ? principal.id : null,
          planDiff: plan.diff,
          valuesPath: plan.valuesPath,
          // Spread into plain objects: Prisma's JSON input type wants index signatures.
          locators: plan.edits.map((edit) => ({ ...edit, locator: { ...edit.locator } })),
          baseCommit: plan.baseCommit,
          branch: promotionBranch({
            application: plan.application.slug,
            environment: plan.environment.name,
            version: plan.version,
            attempt,
          }),
        },
      });
      if (breakGlassReason !== null && policyCheck.freeze) {
        await recordAuditEvent(tx, {
          actor,
          action: "promotion.break_glass",
          target: {
            type: "promotion",
            id: created.id,
            promotionId: created.id,
            application: plan.application.slug,
            team,
            environment: plan.environment.name,
          },
          detail: {
            reason: breakGlassReason,
            freeze: policyCheck.freeze.reason,
            frozenUntil: policyCheck.freeze.until.toISOString(),
            version: plan.version,
          },
        });
      }
      for (const older of open) {
        await transition({
          tx,
          promotionId: older.id,
          to: "superseded",
          actor,
          detail: `superseded by promotion ${created.id} (${plan.version})`,
          data: { supersededById: created.id },
        });
      }
      await params.onRequested?.({ tx, promotionId: created.id });
      await ctx.jobs.enqueueOpenPullRequest({ promotionId: created.id, tx });
      // Nothing in this transaction changes the new row after its insert returned it, and the
      // plan holds its application's and environment's names: no read before the commit.
      const promotion = toSummary({
        ...created,
        application: { slug: plan.application.slug, name: plan.application.name },
        toEnvironment: { name: plan.environment.name, displayName: plan.environment.displayName },
      });
      return { promotion, superseded: open.map((p) => p.id) };
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}
