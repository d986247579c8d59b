"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import type { ActionState } from "@/components/promotion/action-form";
import { isGantryError } from "@/lib/errors";
import { logUnexpected } from "@/lib/log";
import { closePromotion } from "@/lib/promotion/close-promotion";
import { demoActor, getPromotionContext } from "@/lib/promotion/context";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { MAX_REASON_LENGTH, requestPromotion } from "@/lib/promotion/request-promotion";
import { retryPromotion } from "@/lib/promotion/retry-promotion";

/**
 * Server actions of the promotion pages: parse the form, call the domain,
 * turn a refusal into a message for the form. Like route handlers, they
 * hold no logic of their own.
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
});

const PromotionId = z.object({ promotionId: z.uuid("expected a promotion id") });

function fields(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string") out[key] = value;
  return out;
}

function refusal(error: unknown): ActionState {
  if (isGantryError(error)) return { error: error.message };
  const errorId = logUnexpected(error, { during: "promotion action" });
  return { error: `Something went wrong on our side (error id ${errorId}). Nothing was changed.` };
}

export async function requestPromotionAction(
  _state: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const parsed = RequestForm.safeParse(fields(formData));
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join("; ") };
  let id: string;
  try {
    const result = await requestPromotion({
      ctx: getPromotionContext(),
      actor: demoActor(),
      application: parsed.data.application,
      environment: parsed.data.environment,
      version: parsed.data.version,
      reason: parsed.data.reason,
      skipOrder: parsed.data.skipOrder === "on",
      allowNewVersion: parsed.data.allowNewVersion === "on",
    });
    id = result.promotion.id;
  } catch (error) {
    return refusal(error);
  }
  redirect(`/promotions/${id}`);
}

async function onPromotion(
  formData: FormData,
  act: (promotionId: string) => Promise<unknown>,
): Promise<ActionState> {
  const parsed = PromotionId.safeParse(fields(formData));
  if (!parsed.success) return { error: "This form is missing its promotion; reload the page." };
  try {
    await act(parsed.data.promotionId);
  } catch (error) {
    return refusal(error);
  }
  redirect(`/promotions/${parsed.data.promotionId}`);
}

export async function mergePromotionAction(
  _state: ActionState,
  formData: FormData,
): Promise<ActionState> {
  return onPromotion(formData, (promotionId) =>
    mergePromotion({ ctx: getPromotionContext(), promotionId, actor: demoActor() }),
  );
}

export async function closePromotionAction(
  _state: ActionState,
  formData: FormData,
): Promise<ActionState> {
  const reason = formData.get("reason");
  return onPromotion(formData, (promotionId) =>
    closePromotion({
      ctx: getPromotionContext(),
      promotionId,
      actor: demoActor(),
      reason:
        typeof reason === "string" && reason.trim() ? reason.trim().slice(0, 2000) : undefined,
    }),
  );
}

export async function retryPromotionAction(
  _state: ActionState,
  formData: FormData,
): Promise<ActionState> {
  return onPromotion(formData, (promotionId) =>
    retryPromotion({ ctx: getPromotionContext(), promotionId, actor: demoActor() }),
  );
}
