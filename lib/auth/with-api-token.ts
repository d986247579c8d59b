import { type ApiScope, authenticateRequest, requireScope } from "@/lib/auth/api-token";
import type { CiToken } from "@/lib/auth/principal";
import { getDb } from "@/lib/db";
import { apiRoute } from "@/lib/http/route";

/**
 * A route handler behind bearer-token auth: the token is checked (401) and
 * its scope (403) before the handler runs, and errors map in one place
 * (`apiRoute`). Being replaced by withPermission (lib/auth/with-permission.ts).
 */
export function withApiToken<Context>(
  scope: ApiScope,
  handler: (request: Request, context: Context, principal: CiToken) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return apiRoute(async (request: Request, context: Context) => {
    const actor = await authenticateRequest(request, { db: getDb() });
    requireScope(actor, scope);
    return handler(request, context, {
      kind: "ci_token",
      id: actor.tokenId,
      name: actor.tokenName,
      scopes: actor.scopes,
    });
  });
}
