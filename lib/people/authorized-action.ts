import { headers } from "next/headers";
import { unstable_rethrow } from "next/navigation";
import { type ErrorCode, GantryError, isGantryError } from "@/lib/errors";
import { requestContextFrom, withRequestContext } from "@/lib/http/request-context";
import { assertCoarse, type Permission } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { logUnexpected } from "@/lib/log";
import { getCurrentPrincipal } from "@/lib/people/current-principal";
import { recordRefusal } from "@/lib/people/with-permission";

/**
 * What a form's server action answers: null, or why nothing happened, in
 * words; `code` says what kind of refusal it was (unauthenticated and
 * forbidden are permission refusals).
 */
export interface ActionState {
  error: string | null;
  code?: ErrorCode;
}

/**
 * A server action behind a permission, like withPermission for route
 * handlers: the signed-in principal (session cookie, or a bearer token) is
 * resolved and checked coarsely before the handler runs; the domain checks
 * the very resource. CI tokens are refused: forms are for people. A refusal — signed out, not allowed, or any
 * GantryError the handler throws — comes back as the form's error in words;
 * anything unexpected is logged with an id and only the id is shown.
 * Next's redirect() and notFound() pass through.
 */
export function authorizedAction(
  permission: Permission,
  handler: (principal: Principal, formData: FormData) => Promise<ActionState>,
): (state: ActionState, formData: FormData) => Promise<ActionState> {
  return async (_state, formData) => {
    const requestHeaders = await headers();
    return withRequestContext(requestContextFrom(requestHeaders), async () => {
      try {
        const principal = await getCurrentPrincipal();
        if (principal?.kind === "ci_token") {
          // Forms are for people; a pipeline uses /api/v1 with its token.
          throw new GantryError(
            "forbidden",
            "a CI token cannot use the portal's forms; use /api/v1",
            {
              details: { permission },
            },
          );
        }
        if (principal === null) assertCoarse(principal, permission);
        try {
          assertCoarse(principal, permission);
          return await handler(principal, formData);
        } catch (error) {
          await recordRefusal({ error, principal, permission, request: `action ${permission}` });
          throw error;
        }
      } catch (error) {
        unstable_rethrow(error);
        return actionRefusal(error);
      }
    });
  };
}

/** A thrown error as the form shows it. */
export function actionRefusal(error: unknown): ActionState {
  if (isGantryError(error)) return { error: error.message, code: error.code };
  const errorId = logUnexpected(error, { during: "server action" });
  return { error: `Something went wrong on our side (error id ${errorId}). Nothing was changed.` };
}
