import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { AUDIT_TRANSACTION } from "@/lib/people/audit-alone";
import { forgetSignedInPeople } from "@/lib/people/session-cache";
import { issuesOf } from "@/lib/people/update-user-grants";

/** A person's display name: what people type, bounded (shown on every page that names them). */
export const PERSON_NAME_MAX = 100;
export const PersonNameSchema = z
  .string({ error: "name: expected text" })
  .trim()
  .min(1, "name: required")
  .max(PERSON_NAME_MAX, `name: at most ${PERSON_NAME_MAX} characters`)
  .refine(
    (name) => !/[\p{Cc}\u2028\u2029]/u.test(name),
    "name: no control characters or line breaks",
  );

/** Only the name may be changed by the person; better-auth would also take an image URL. */
const RenameInput = z.strictObject(
  { name: PersonNameSchema },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `only the name can be changed here, not ${issue.keys.join(", ")}`
        : 'expected a JSON object like {"name": "Ada Lovelace"}',
  },
);

/**
 * A person renames themselves (better-auth's POST /api/auth/update-user is
 * routed here). A name that comes from single sign-on is the issuer's: such
 * a person is refused and changes it there. The new name and a
 * `user.renamed` event (from, to) are one transaction.
 */
export async function renameUser(params: {
  db: PrismaClient;
  /** The person renaming themselves (a signed-in session). */
  acting: { id: string; name: string; email: string };
  input: unknown;
}): Promise<{ name: string }> {
  const input = RenameInput.safeParse(params.input);
  if (!input.success) throw new GantryError("bad_request", issuesOf(input.error));
  const { name } = input.data;
  const changed = params.db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({
      where: { id: params.acting.id },
      select: { id: true, name: true, source: true },
    });
    if (!user) throw new GantryError("not_found", "your account no longer exists");
    if (user.source !== "local") {
      throw new GantryError(
        "forbidden",
        "your name comes from single sign-on; change it there and sign in again",
      );
    }
    if (user.name === name) return { name };
    await tx.user.update({ where: { id: user.id }, data: { name } });
    await recordAuditEvent(tx, {
      actor: { kind: "person", ...params.acting },
      action: "user.renamed",
      target: { type: "user", id: user.id },
      detail: { from: user.name, to: name },
    });
    return { name };
  }, AUDIT_TRANSACTION);
  // After the commit, this process stops answering from what it knew of the person.
  return changed.finally(forgetSignedInPeople);
}

/**
 * A name from elsewhere (the single sign-on issuer's profile), made to fit
 * the same bounds instead of refused: line breaks and control characters
 * become spaces, and it is cut at PERSON_NAME_MAX characters.
 */
export function boundedPersonName(name: string): string {
  const cleaned = name.replace(/[\p{Cc}\u2028\u2029]+/gu, " ").trim();
  return [...cleaned].slice(0, PERSON_NAME_MAX).join("").trim() || "Unnamed";
}
