"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { inputErrorsInWords } from "@/lib/http/route";
import { type ActionState, authorizedAction } from "@/lib/people/authorized-action";
import { getPromotionContext, getTrainContext } from "@/lib/runtime/promotion-context";
import { CloseTrainInput, closeTrain } from "@/lib/trains/close-train";
import { mergeTrain } from "@/lib/trains/merge-train";
import { RequestTrainInput, requestTrain } from "@/lib/trains/request-train";
import { reviewTrain } from "@/lib/trains/review-train";

/**
 * Server actions of the train pages: parse the form with the use case's
 * input schema, call the domain as the signed-in person; the domain checks
 * each application and environment the train touches.
 */

function fields(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string") out[key] = value;
  return out;
}

const TrainId = z.object({ trainId: z.uuid("expected a train id") });
const MISSING_TRAIN: ActionState = { error: "This form is missing its train; reload the page." };

export const requestTrainAction = authorizedAction(
  "promotion:request",
  async (principal, formData) => {
    const form = fields(formData);
    const selection: Record<string, string | string[]> = {};
    for (const key of ["team", "label", "q", "differsFrom"]) {
      if (form[key]) selection[key] = form[key];
    }
    if (form.apps) selection.apps = form.apps.split(",").filter(Boolean);
    const parsed = RequestTrainInput.safeParse({
      environment: form.environment,
      selection,
      reason: form.reason,
      excludeFailing: form.excludeFailing === "on" || undefined,
      breakGlassReason: form.breakGlassReason || undefined,
    });
    if (!parsed.success) return { error: inputErrorsInWords(parsed.error) };
    const { trainId } = await requestTrain({
      ctx: getTrainContext(),
      principal,
      input: parsed.data,
    });
    redirect(`/trains/${trainId}`);
  },
);

export const approveTrainAction = authorizedAction(
  "promotion:approve",
  async (principal, formData) => {
    const parsed = TrainId.safeParse(fields(formData));
    if (!parsed.success) return MISSING_TRAIN;
    await reviewTrain({
      ctx: getPromotionContext(),
      trainId: parsed.data.trainId,
      principal,
      decision: "approve",
      comment: formData.get("comment")?.toString(),
    });
    redirect(`/trains/${parsed.data.trainId}`);
  },
);

export const mergeTrainAction = authorizedAction("promotion:merge", async (principal, formData) => {
  const parsed = TrainId.safeParse(fields(formData));
  if (!parsed.success) return MISSING_TRAIN;
  await mergeTrain({ ctx: getPromotionContext(), trainId: parsed.data.trainId, principal });
  redirect(`/trains/${parsed.data.trainId}`);
});

export const closeTrainAction = authorizedAction("promotion:close", async (principal, formData) => {
  const parsed = TrainId.safeParse(fields(formData));
  if (!parsed.success) return MISSING_TRAIN;
  const input = CloseTrainInput.safeParse({
    reason: formData.get("reason")?.toString().trim() || undefined,
  });
  if (!input.success) return { error: inputErrorsInWords(input.error) };
  await closeTrain({
    ctx: getPromotionContext(),
    trainId: parsed.data.trainId,
    principal,
    reason: input.data.reason,
  });
  redirect(`/trains/${parsed.data.trainId}`);
});
