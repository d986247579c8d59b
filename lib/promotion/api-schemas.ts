import { type ZodType, z } from "zod";
import { GantryError } from "@/lib/errors";
import { nulCharacterAt } from "@/lib/http/request-sanity";
import { BREAK_GLASS_REASON_MAX } from "@/lib/promotion/policy/check-promotion";
import { MAX_REASON_LENGTH } from "@/lib/promotion/request-promotion";

/** POST /api/v1/promotions */
export const CreatePromotionBody = z.strictObject({
  app: z.string({ error: "the application slug is required" }).trim().min(1).max(63),
  environment: z.string({ error: "the target environment is required" }).trim().min(1).max(63),
  version: z.string().trim().min(1).max(200).optional(),
  reason: z
    .string({ error: "say why: the reason goes into the pull request" })
    .trim()
    .min(1, "say why: the reason goes into the pull request")
    .max(MAX_REASON_LENGTH),
  skipOrder: z.boolean().optional(),
  allowNewVersion: z.boolean().optional(),
  /** Why a frozen environment must take it anyway: people with break-glass only (10–500 characters). */
  breakGlassReason: z.string().max(BREAK_GLASS_REASON_MAX).optional(),
});

/** POST /api/v1/promotions/{id}/close */
export const ClosePromotionBody = z.strictObject({
  reason: z.string().trim().max(MAX_REASON_LENGTH).optional(),
});

/**
 * Parses a JSON body with a schema: 400 naming each wrong field
 * (`details.errors: [{ field, message }]`), or that the body is not JSON.
 * An empty body parses as `{}`.
 */
export async function parseJsonBody<T>(request: Request, schema: ZodType<T>): Promise<T> {
  const text = await request.text();
  if (text.length > 64 * 1024) throw new GantryError("bad_request", "the body is too large");
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      throw new GantryError("bad_request", "the body must be a JSON object");
    }
  }
  const nul = nulCharacterAt(json);
  if (nul) {
    const message = "contains a NUL character (\\u0000)";
    throw new GantryError("bad_request", `${nul}: ${message}`, {
      details: { errors: [{ field: nul, message }] },
    });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => {
    const field =
      issue.code === "unrecognized_keys" ? issue.keys.join(", ") : issue.path.join(".") || "body";
    const message = issue.code === "unrecognized_keys" ? "unknown field" : issue.message;
    return { field, message };
  });
  throw new GantryError("bad_request", errors.map((e) => `${e.field}: ${e.message}`).join("; "), {
    details: { errors },
  });
}
