"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { inputErrorsInWords } from "@/lib/http/route";
import { authorizedAction } from "@/lib/people/authorized-action";
import { ReleaseHoldInput, releaseHold } from "@/lib/releases/release-hold";
import { RollBackInput, rollBack } from "@/lib/releases/roll-back";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

/** Server actions of rollbacks and holds: parse with the use case's schema, call it as the person. */

function fields(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData) if (typeof value === "string") out[key] = value;
  return out;
}

export const rollBackAction = authorizedAction("promotion:request", async (principal, formData) => {
  const form = fields(formData);
  const parsed = RollBackInput.safeParse({
    app: form.application,
    environment: form.environment,
    version: form.version || undefined,
    reason: form.reason,
    freezeReason: form.freezeReason || undefined,
  });
  if (!parsed.success) return { error: inputErrorsInWords(parsed.error) };
  const { app, ...input } = parsed.data;
  const result = await rollBack({
    ctx: getPromotionContext(),
    principal,
    application: app,
    ...input,
  });
  redirect(`/promotions/${result.promotion.id}`);
});

export const releaseHoldAction = authorizedAction(
  "promotion:approve",
  async (principal, formData) => {
    const form = fields(formData);
    const parsed = ReleaseHoldInput.safeParse({ holdId: form.holdId, reason: form.reason });
    if (!parsed.success) return { error: inputErrorsInWords(parsed.error) };
    const released = await releaseHold({ db: getDb(), principal, ...parsed.data });
    redirect(`/apps/${encodeURIComponent(released.application)}`);
  },
);
