import { getCurrentPrincipal } from "@/lib/auth/current-principal";
import { assertCoarse, type Permission } from "@/lib/auth/permissions";
import type { Principal } from "@/lib/auth/principal";
import { GantryError } from "@/lib/errors";
import { requestContextFrom, withRequestContext } from "@/lib/http/request-context";
import { apiRoute } from "@/lib/http/route";

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
      assertCoarse(principal, permission);
      return handler(request, context, principal);
    }),
  );
}
