import { getDb } from "@/lib/db";
import { apiRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Liveness and readiness in one: the portal is only useful when its database answers. */
export const GET = apiRoute(async () => {
  await getDb().$queryRaw`SELECT 1`;
  return Response.json({ status: "ok" });
});
