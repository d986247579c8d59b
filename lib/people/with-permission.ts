import { recordDenial } from "@/lib/audit/record-denial";
import { getDb } from "@/lib/db";
import { GantryError, isGantryError } from "@/lib/errors";
import { requestContextFrom, withRequestContext } from "@/lib/http/request-context";
import { apiRoute } from "@/lib/http/route";
import { assertCoarse, type Permission } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { log } from "@/lib/log";
import { getCurrentPrincipal } from "@/lib/people/current-principal";

/**
 * A route handler behind a permission: the request's principal (bearer
 * token or session cookie) is resolved and checked coarsely — 401 signed
 * out, 403 when they may not do `permission` to anything — before the
 * handler runs; the domain function checks the very resource. Runs in the
 * request's context (id, address) for the audit chain; errors map in one
 * place (apiRoute).
 */
export function withPermission<Context>(
  permission: Permission,
  handler: (request: Request, context: Context, principal: Principal) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return apiRoute((request: Request, context: Context) =>
    withRequestContext(requestContextFrom(request.headers), async () => {
      const principal = await getCurrentPrincipal(request);
      if (principal === null) {
        throw new GantryError(
          "unauthenticated",
          "sign in, or send an API token as Authorization: Bearer <token>",
          { details: { permission } },
        );
      }
      try {
        assertCoarse(principal, permission);
        return await handler(request, context, principal);
      } catch (error) {
        await recordRefusal({
          error,
          principal,
          permission,
          request: `${request.method} ${new URL(request.url).pathname}`,
        });
        throw error;
      }
    }),
  );
}

/**
 * A permission refusal (forbidden) of a signed-in principal, from the coarse
 * check or the domain's own, goes into the audit chain as `permission.denied`.
 * Failing to record it is logged and does not change the answer.
 */
export async function recordRefusal(params: {
  error: unknown;
  principal: Principal;
  permission: Permission;
  request: string;
}): Promise<void> {
  if (!isGantryError(params.error) || params.error.code !== "forbidden") return;
  try {
    await recordDenial({
      db: getDb(),
      principal: params.principal,
      permission:
        typeof params.error.details?.permission === "string"
          ? params.error.details.permission
          : params.permission,
      reason: params.error.message,
      resource: { request: params.request },
    });
  } catch (failure) {
    log.warn("could not record a permission denial in the audit log", {
      permission: params.permission,
      error: failure instanceof Error ? failure.message : String(failure),
    });
  }
}
