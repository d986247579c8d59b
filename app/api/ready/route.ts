import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { apiRoute } from "@/lib/http/route";
import { outageLog } from "@/lib/log";
import { checkReadiness } from "@/lib/runtime/readiness";

export const dynamic = "force-dynamic";

/**
 * Readiness: 200 when the database answers, the job queue runs and the
 * GitOps repository is there; 503 naming the failing parts otherwise (a load
 * balancer stops sending people here until it passes again). Logged once per
 * interval while it fails, not once per probe.
 */
export const GET = apiRoute(async () => {
  const readiness = await checkReadiness({ db: getDb(), config: getConfig() });
  if (readiness.ready) {
    outageLog.recovered("readiness", "ready again");
    return Response.json({ status: "ready", checks: readiness.checks });
  }
  outageLog.failing("readiness", "not ready", {
    failing: readiness.failing,
    checks: readiness.checks,
  });
  return Response.json(
    {
      status: "unavailable",
      failing: readiness.failing,
      checks: readiness.checks,
      error: {
        code: "unavailable",
        message: `not ready: ${readiness.failing.map((part) => `${part} ${readiness.checks[part].message}`).join("; ")}`,
      },
    },
    { status: 503, headers: { "retry-after": "5" } },
  );
});
