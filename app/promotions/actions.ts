"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { type ActionState, authorizedAction } from "@/lib/people/authorized-action";
import { BREAK_GLASS_REASON_MAX } from "@/lib/policy/check-promotion";
import { closePromotion } from "@/lib/promotion/close-promotion";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { MAX_REASON_LENGTH, requestPromotion } from "@/lib/promotion/request-promotion";
import { retryPromotion } from "@/lib/promotion/retry-promotion";
import {
  MAX_REVIEW_COMMENT_LENGTH,
  type ReviewDecision,
  reviewPromotion,
} from "@/lib/promotion/review-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

/**
 * Server actions of the promotion pages: parse the form, call the domain as
 * the signed-in person. authorizedAction checks who may try and turns any
 * refusal into a message for the form; the domain checks the very
 * promotion. Like route handlers, they hold no logic of their own.
 */

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "expected a slug");

const RequestForm = z.object({
  application: slug,
  environment: slug,
  version: z.string().trim().min(1, "version: required").max(200),
  reason: z
    .string()
    .trim()
    .min(1, "reason: say why, it goes into the pull request")
    .max(MAX_REASON_LENGTH, `reason: at most ${MAX_REASON_LENGTH} characters`),
  skipOrder: z.enum(["on"]).optional(),
  allowNewVersion: z.enum(["on"]).optional(),
  breakGlassReason: z
    .string()
    .max(BREAK_GLASS_REASON_MAX, `break-glass reason: at most ${BREAK_GLASS_REASON_MAX} characters`)
    .optional(),
});

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
    const parsed = RequestForm.safeParse(fields(formData));
    if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join("; ") };
    const result = await requestPromotion({
      ctx: getPromotionContext(),
      principal,
      application: parsed.data.application,
      environment: parsed.data.environment,
      version: parsed.data.version,
      reason: parsed.data.reason,
      skipOrder: parsed.data.skipOrder === "on",
      allowNewVersion: parsed.data.allowNewVersion === "on",
      breakGlassReason: parsed.data.breakGlassReason || undefined,
    });
    redirect(`/promotions/${result.promotion.id}`);
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
    const reason = formData.get("reason");
    await closePromotion({
      ctx: getPromotionContext(),
      promotionId,
      principal,
      reason:
        typeof reason === "string" && reason.trim() ? reason.trim().slice(0, 2000) : undefined,
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

const ReviewForm = z.object({
  promotionId: z.uuid("expected a promotion id"),
  comment: z
    .string()
    .max(MAX_REVIEW_COMMENT_LENGTH, `comment: at most ${MAX_REVIEW_COMMENT_LENGTH} characters`)
    .optional(),
});

function reviewAction(decision: ReviewDecision) {
  return authorizedAction("promotion:approve", async (principal, formData) => {
    const parsed = ReviewForm.safeParse(fields(formData));
    if (!parsed.success) {
      return parsed.error.issues.some((issue) => issue.path[0] === "promotionId")
        ? MISSING_PROMOTION
        : { error: parsed.error.issues.map((i) => i.message).join("; ") };
    }
    await reviewPromotion({
      ctx: getPromotionContext(),
      promotionId: parsed.data.promotionId,
      principal,
      decision,
      comment: parsed.data.comment,
    });
    redirect(`/promotions/${parsed.data.promotionId}`);
  });
}

export const approvePromotionAction = reviewAction("approve");

export const requestChangesAction = reviewAction("request_changes");
