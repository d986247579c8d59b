"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { SecretActionState } from "@/components/admin/secret-form";
import { getDb } from "@/lib/db";
import { GantryError } from "@/lib/errors";
import { authorizedAction } from "@/lib/people/authorized-action";
import { createApiToken, tokenFormInput } from "@/lib/people/create-api-token";
import { revokeApiToken } from "@/lib/people/revoke-api-token";
import { issuesOf } from "@/lib/people/update-user-grants";

/**
 * A person's own API tokens (/account/tokens): they act as their owner,
 * never beyond the owner's role. The domain checks token:manage_own and
 * ownership.
 */

export const createPersonalTokenAction = authorizedAction(
  "token:manage_own",
  async (principal, formData) => {
    const created = await createApiToken({
      db: getDb(),
      acting: principal,
      kind: "personal",
      ...tokenFormInput(formData),
    });
    revalidatePath("/account/tokens");
    const result: SecretActionState = {
      error: null,
      secret: {
        label: `Personal token ${created.name}`,
        value: created.token,
        note: "Shown only this once: Gantry keeps only its hash. Send it as Authorization: Bearer <token>.",
      },
    };
    return result;
  },
);

const TokenId = z.object({ tokenId: z.uuid("This form is missing its token; reload the page.") });

export const revokePersonalTokenAction = authorizedAction(
  "token:manage_own",
  async (principal, formData) => {
    const parsed = TokenId.safeParse({ tokenId: formData.get("tokenId") });
    if (!parsed.success) throw new GantryError("bad_request", issuesOf(parsed.error));
    await revokeApiToken({ db: getDb(), acting: principal, id: parsed.data.tokenId });
    revalidatePath("/account/tokens");
    return { error: null };
  },
);
