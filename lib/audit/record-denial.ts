import { recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { PermissionResource } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";

/**
 * Records a refused request (`permission.denied`, outcome denied) in a
 * transaction of its own: the refusal is the whole change. Called by the
 * permission wrapper (lib/people/with-permission.ts) when a signed-in
 * principal is refused; a signed-out request (401) is not recorded here.
 */
export async function recordDenial(params: {
  db: PrismaClient;
  principal: Principal;
  permission: string;
  reason: string;
  resource?: PermissionResource & {
    application?: string;
    promotionId?: string;
    /** What was asked for, e.g. `POST /api/v1/promotions`. */
    request?: string;
  };
}): Promise<void> {
  const { resource = {} } = params;
  await recordAuditEventAlone(params.db, {
    actor: actorOf(params.principal),
    action: "permission.denied",
    outcome: "denied",
    target: {
      type: resource.promotionId ? "promotion" : resource.application ? "application" : "user",
      id: resource.promotionId ?? resource.application ?? params.principal.id,
      application: resource.application ?? null,
      team: resource.team ?? null,
      environment: resource.environment ?? null,
      promotionId: resource.promotionId ?? null,
    },
    detail: {
      permission: params.permission,
      reason: params.reason.slice(0, 500),
      ...(resource.request ? { request: resource.request.slice(0, 200) } : {}),
    },
  });
}
