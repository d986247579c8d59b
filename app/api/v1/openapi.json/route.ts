import { gantryApiDocument } from "@/app/api/v1/operations";
import { withPermission } from "@/lib/people/with-permission";

export const dynamic = "force-dynamic";

/** GET /api/v1/openapi.json: the OpenAPI 3.1 description of every /api/v1 route. */
export const GET = withPermission("catalogue:read", async () =>
  Response.json(gantryApiDocument(), { headers: { "Cache-Control": "no-store" } }),
);
