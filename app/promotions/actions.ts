"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { inputErrorsInWords } from "@/lib/http/route";
import { type ActionState, authorizedAction } from "@/lib/people/authorized-action";
import { ClosePromotionInput, closePromotion } from "@/lib/promotion/close-promotion";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import {
  changedPlanOf,
  RequestPromotionInput,
  requestPromotion,
  requestPromotionParams,
} from "@/lib/promotion/request-promotion";
import { retryPromotion } from "@/lib/promotion/retry-promotion";
import {
  type ReviewDecision,
  ReviewPromotionInput,
  reviewPromotion,
} from "@/lib/promotion/review-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

/**
 * Server actions of the promotion pages: parse the form with the use case's
 * input schema (the one its API route uses), call the domain as the
 * signed-in person. authorizedAction checks who may try and turns any
 * refusal into a message for the form; the domain checks the very
 * promotion. Like route handlers, they hold no logic of their own.
 */

const PromotionId = z.object({ promotionId: z.uuid("expected a promotion id") });

function fields(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string") out[key] = value;
  return out;
}

function promotionIdOf(formData: FormData): string | null {
  const parsed = PromotionId.safeParse(fields(formData));
  return parsed.success ? parsed.data.promotionId : null;
}

const MISSING_PROMOTION: ActionState = {
  error: "This form is missing its promotion; reload the page.",
};

export const requestPromotionAction = authorizedAction(
  "promotion:request",
  async (principal, formData) => {
    const form = fields(formData);
    const parsed = RequestPromotionInput.safeParse({
      app: form.application,
      environment: form.environment,
      version: form.version || undefined,
      reason: form.reason,
      skipOrder: form.skipOrder === "on" || undefined,
      allowNewVersion: form.allowNewVersion === "on" || undefined,
      breakGlassReason: form.breakGlassReason || undefined,
      plannedAt:
        form.baseCommit || form.blobId
          ? { baseCommit: form.baseCommit, blobId: form.blobId }
          : undefined,
    });
    if (!parsed.success) return { error: inputErrorsInWords(parsed.error) };
    const input = parsed.data;
    let promotionId: string;
    try {
      const result = await requestPromotion({
        ctx: getPromotionContext(),
        principal,
        ...requestPromotionParams(input),
      });
      promotionId = result.promotion.id;
    } catch (error) {
      if (!changedPlanOf(error) || !input.plannedAt) throw error;
      // The file changed after the person saw its diff: back to the page, which shows the new one.
      const back = new URLSearchParams({
        env: input.environment,
        version: input.version ?? "",
        changedSince: input.plannedAt.baseCommit,
      });
      if (input.skipOrder) back.set("skipOrder", "on");
      if (input.allowNewVersion) back.set("allowNewVersion", "on");
      redirect(`/apps/${encodeURIComponent(input.app)}/promote?${back}`);
    }
    redirect(`/promotions/${promotionId}`);
  },
);

export const mergePromotionAction = authorizedAction(
  "promotion:merge",
  async (principal, formData) => {
    const promotionId = promotionIdOf(formData);
    if (!promotionId) return MISSING_PROMOTION;
    await mergePromotion({ ctx: getPromotionContext(), promotionId, principal });
    redirect(`/promotions/${promotionId}`);
  },
);

export const closePromotionAction = authorizedAction(
  "promotion:close",
  async (principal, formData) => {
    const promotionId = promotionIdOf(formData);
    if (!promotionId) return MISSING_PROMOTION;
    const parsed = ClosePromotionInput.safeParse({
      reason: formData.get("reason")?.toString().trim() || undefined,
    });
    if (!parsed.success) return { error: inputErrorsInWords(parsed.error) };
    await closePromotion({
      ctx: getPromotionContext(),
      promotionId,
      principal,
      reason: parsed.data.reason,
    });
    redirect(`/promotions/${promotionId}`);
  },
);

export const retryPromotionAction = authorizedAction(
  "promotion:retry",
  async (principal, formData) => {
    const promotionId = promotionIdOf(formData);
    if (!promotionId) return MISSING_PROMOTION;
    await retryPromotion({ ctx: getPromotionContext(), promotionId, principal });
    redirect(`/promotions/${promotionId}`);
  },
);

function reviewAction(decision: ReviewDecision) {
  return authorizedAction("promotion:approve", async (principal, formData) => {
    const promotionId = promotionIdOf(formData);
    if (!promotionId) return MISSING_PROMOTION;
    const parsed = ReviewPromotionInput.safeParse({
      decision,
      comment: formData.get("comment")?.toString(),
    });
    if (!parsed.success) return { error: inputErrorsInWords(parsed.error) };
    await reviewPromotion({
      ctx: getPromotionContext(),
      promotionId,
      principal,
      decision: parsed.data.decision,
      comment: parsed.data.comment,
    });
    redirect(`/promotions/${promotionId}`);
  });
}

export const approvePromotionAction = reviewAction("approve");

export const requestChangesAction = reviewAction("request_changes");
