export const dynamic = "force-dynamic";

/**
 * Liveness: the process answers. It does not ask the database: an outage of
 * a dependency must not make an orchestrator restart a healthy portal in a
 * loop (the embedded Postgres is restarted by its supervisor). Whether the
 * portal can serve is `/api/ready`.
 */
export function GET(): Response {
  return Response.json({ status: "ok" });
}
